import { pointerSegment } from "@lockstep/lockfile";
import type { DeployConfig } from "./config.js";
import type { ConfigIssue } from "./errors.js";

// What keeps environments apart in lockstep.deploy.json: endpoints in the clear, namespaces a
// platform or a preview owns, stores shared without a promotion between them.

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
/** Namespaces no environment may take: the platform's, and any a preview may write. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
const PREVIEW_NAMESPACE = /^lockstep-pr-/;

/** An s3:// URI as bucket and prefix segments, for telling whether one store holds another's keys. */
const storeSegments = (uri: string) =>
  uri
    .replace(/^s3:\/\//, "")
    .split("/")
    .filter(Boolean);
const overlaps = (a: string, b: string) => {
  const [x, y] = [storeSegments(a), storeSegments(b)];
  const n = Math.min(x.length, y.length);
  return x.slice(0, n).every((s, i) => s === y[i]);
};

/** Environments linked by promotion (either way, transitively): the only ones that may share a store. */
function promotionLinked(config: DeployConfig, a: string, b: string): boolean {
  const chain = (env: string) => {
    const seen = new Set<string>();
    for (let at: string | undefined = env; at && !seen.has(at); at = config.environments[at]?.promotedFrom)
      seen.add(at);
    return seen;
  };
  return chain(a).has(b) || chain(b).has(a);
}

/**
 * What would let one environment act as another: a store endpoint in the clear outside loopback,
 * a namespace of the platform's or of a preview's (a pull request could write it), one
 * environment reading another's store when promotion does not link them.
 */
export function isolationIssues(config: DeployConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const endpoint = (value: string | undefined, pointer: string) => {
    if (value === undefined) return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      issues.push({ pointer, message: `"${value}" is not a URL` });
      return;
    }
    if (url.protocol !== "https:" && !LOOPBACK.test(url.hostname))
      issues.push({
        pointer,
        message: `"${value}" is not HTTPS: store credentials and artifacts would cross the network in the clear (http:// is for loopback only)`,
      });
  };
  endpoint(config.previews?.store?.endpoint, "/previews/store/endpoint");
  // the canary analysis trusts what these answer: in the cluster, or over HTTPS
  for (const key of ["prometheusAddress", "canaryJudge"] as const) {
    const address = config.cluster?.[key];
    if (typeof address !== "string") continue;
    const host = URL.canParse(address) ? new URL(address).hostname : "";
    if (!address.startsWith("https://") && !/\.svc(\.cluster\.local)?$/.test(host))
      issues.push({
        pointer: `/cluster/${key}`,
        message: `"${address}" is neither a cluster Service (<name>.<namespace>.svc) nor HTTPS: the canary analysis would trust an answer from outside the cluster in the clear`,
      });
  }
  const platform = new Map<string, string>([
    [config.argocd?.namespace ?? "argocd", "Argo CD's namespace"],
    [config.cluster?.ingressNamespace ?? "ingress-nginx", "the ingress controller's namespace"],
    [config.cluster?.prometheusNamespace ?? "monitoring", "Prometheus's namespace"],
    ...RESERVED_NAMESPACES.map((n) => [n, "a Kubernetes system namespace"] as [string, string]),
  ]);
  const envs = Object.entries(config.environments);
  for (const [env, environment] of envs) {
    const at = `/environments/${pointerSegment(env)}`;
    endpoint(environment.store.endpoint, `${at}/store/endpoint`);
    const owner = platform.get(environment.namespace);
    if (owner) issues.push({ pointer: `${at}/namespace`, message: `"${environment.namespace}" is ${owner}` });
    if (PREVIEW_NAMESPACE.test(environment.namespace))
      issues.push({
        pointer: `${at}/namespace`,
        message: `"${environment.namespace}" is a preview's namespace (lockstep-pr-*): any pull request's preview could write it`,
      });
  }
  for (const [i, [env, environment]] of envs.entries()) {
    for (const [other, otherEnvironment] of envs.slice(0, i)) {
      if (!overlaps(environment.store.uri, otherEnvironment.store.uri) || promotionLinked(config, env, other))
        continue;
      issues.push({
        pointer: `/environments/${pointerSegment(env)}/store/uri`,
        message: `${environment.store.uri} is or shares keys with ${other}'s store ${otherEnvironment.store.uri}, and neither is promoted from the other: give each environment its own bucket or prefix`,
      });
    }
  }
  return issues;
}
