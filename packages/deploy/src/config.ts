import { Ajv2020 } from "ajv/dist/2020.js";
import { pointerSegment, schemaIssues } from "@lockstep/lockfile";
import schema from "../schema/deploy-config.schema.json" with { type: "json" };
import { DeployError, type ConfigIssue } from "./errors.js";
import { isDnsLabel, isDnsSubdomain, quantityValue } from "./names.js";
import { isolationIssues } from "./config-isolation.js";
import { parseSoak, type PromotionRequirements } from "./soak.js";

export { schema as deployConfigSchema };
export const DEPLOY_CONFIG_NAME = "lockstep.deploy.json";
export const MAX_CONFIG_BYTES = 256 * 1024;

export interface Quantities {
  cpu?: string;
  memory?: string;
}

export interface CanaryAnalysis {
  interval: string;
  count: number;
  /**
   * Inconclusive (thin-traffic) measurements tolerated: one more pauses the rollout. Below `count`,
   * or an all-empty analysis would pass (Argo Rollouts counts Inconclusive only above the limit).
   */
  inconclusiveLimit: number;
  /** Wait before the first measurement (default: the window, so the first query sees a full one). */
  initialDelay?: string;
  /** The PromQL range each query looks back over. */
  window: string;
  /** Fewer canary requests than this in the window: inconclusive, never a pass. */
  minRequests: number;
  errorRatio: number;
  p99Seconds: number;
  /** Largest total-variation distance between canary and stable class shares. */
  classShareShift: number;
  /** Largest relative shift of the canary's mean predicted value from the stable's. */
  valueShift: number;
  /** With the canary judge: significance of the class-share test; the value interval is at 1 − alpha. */
  alpha: number;
}

/** What can be set per model and environment (every field optional in the file). */
export interface Settings {
  replicas: number;
  hpa: { minReplicas: number; maxReplicas: number; cpuUtilization: number; inFlightPerPod?: number };
  resources: { requests: Required<Quantities>; limits: Required<Quantities> };
  canary: { weights: number[]; analysis: CanaryAnalysis };
}

export type PartialSettings = {
  replicas?: number;
  hpa?: Partial<Settings["hpa"]>;
  resources?: { requests?: Quantities; limits?: Quantities };
  canary?: { weights?: number[]; analysis?: Partial<CanaryAnalysis> };
};

export interface StoreConfig {
  uri: string;
  endpoint?: string;
  region?: string;
  secretName?: string;
  serviceAccountAnnotations?: Record<string, string>;
}

export interface MonitoringConfig {
  clickhouseSecret: string;
  /**
   * The store credentials the monitor Jobs publish reports with (default lockstep-monitor-store):
   * the pods' own key is read-only. Only where the environment's store names a Secret.
   */
  storeSecret?: string;
  clickhouseSecretKey?: string;
  clickhousePort?: number;
  sample?: number;
  /** The replay sample the pods keep beside the prediction log (LOCKSTEP_REPLAY_* in the server). */
  replay?: {
    sample?: number;
    maxPerDay?: number;
    maxBodyBytes?: number;
    images?: boolean;
    retentionDays?: number;
  };
  schedule?: string;
  window?: string;
}

/** The response cache: Redis reached with the URL in a Secret. */
export interface CacheConfig {
  redisSecret: string;
  redisSecretKey?: string;
  redisPort?: number;
}

export interface EnvironmentConfig {
  namespace: string;
  host: string;
  sync?: "auto" | "manual";
  /** Pins here must be artifacts this environment pinned first (checked by lockstep verify). */
  promotedFrom?: string;
  /** What a promotion from `promotedFrom` must show of the pin there (lockstep verify); absent: nothing more. */
  promotionRequires?: PromotionRequirements;
  tlsSecretName?: string;
  /**
   * TLS with the ingress controller's default certificate (a TLS block with no secret): previews,
   * whose wildcard certificate the platform gives ingress-nginx. Not in the file's schema.
   */
  tlsDefaultCertificate?: boolean;
  /** Prediction logging to ClickHouse and the monitor CronJobs; absent: pods log nothing. */
  monitoring?: MonitoringConfig;
  /** The shared response cache; absent: each pod caches in its own memory. */
  cache?: CacheConfig;
  store: StoreConfig;
}

export interface DeployConfig {
  $schema?: string;
  repository: { url: string; revision?: string };
  image: { repository: string; digest: string };
  argocd?: { namespace?: string; project?: string };
  cluster?: {
    ingressClassName?: string;
    ingressNamespace?: string;
    prometheusNamespace?: string;
    prometheusAddress?: string;
    /**
     * The canary judge that measures class shares and value shift by their statistics (Argo Rollouts'
     * web provider): by default the one render writes in each environment's namespace; a base URL
     * names another; `false` keeps the PromQL thresholds.
     */
    canaryJudge?: string | false;
    trafficRouting?: "nginx" | "replicas";
    prometheusAdapter?: boolean;
    /**
     * Extra CA certificates (PEM) the pods that reach ClickHouse or Redis trust, from a ConfigMap in
     * each environment's namespace: managed ClickHouse and Redis on Yandex Cloud present
     * certificates of Yandex's internal CA.
     */
    caBundle?: { configMap: string; key?: string; url?: string };
  };
  /** Previews of staging pull requests; `store` defaults to staging's, read with the preview Secret. */
  previews?: { domain: string; label?: string; store?: StoreConfig };
  environments: Record<string, EnvironmentConfig>;
  defaults?: PartialSettings;
  models?: Record<string, { settings?: PartialSettings; environments?: Record<string, PartialSettings> }>;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
const check = ajv.compile<DeployConfig>(schema);

/** The rules a schema cannot state: Kubernetes names, quantities, known models, ordered bounds. */
function semanticIssues(config: DeployConfig, knownModels: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const label = (value: string | undefined, pointer: string) => {
    if (value !== undefined && !isDnsLabel(value))
      issues.push({ pointer, message: `"${value}" is not a DNS-1123 label (a-z, 0-9, '-', at most 63)` });
  };
  const host = (value: string | undefined, pointer: string) => {
    if (value !== undefined && !isDnsSubdomain(value))
      issues.push({ pointer, message: `"${value}" is not a DNS name` });
  };
  label(config.argocd?.namespace, "/argocd/namespace");
  label(config.argocd?.project, "/argocd/project");
  label(config.cluster?.ingressNamespace, "/cluster/ingressNamespace");
  label(config.cluster?.prometheusNamespace, "/cluster/prometheusNamespace");
  label(config.cluster?.ingressClassName, "/cluster/ingressClassName");
  host(config.previews?.domain, "/previews/domain");
  const namespaces = new Map<string, string>();
  for (const [env, environment] of Object.entries(config.environments)) {
    const at = `/environments/${pointerSegment(env)}`;
    label(environment.namespace, `${at}/namespace`);
    host(environment.host, `${at}/host`);
    label(environment.tlsSecretName, `${at}/tlsSecretName`);
    label(environment.store.secretName, `${at}/store/secretName`);
    label(environment.monitoring?.clickhouseSecret, `${at}/monitoring/clickhouseSecret`);
    const other = namespaces.get(environment.namespace);
    if (other)
      issues.push({
        pointer: `${at}/namespace`,
        message: `namespace "${environment.namespace}" is also ${other}'s`,
      });
    namespaces.set(environment.namespace, env);
    const from = environment.promotedFrom;
    if (from !== undefined && (from === env || !Object.hasOwn(config.environments, from)))
      issues.push({
        pointer: `${at}/promotedFrom`,
        message:
          from === env
            ? `${env} cannot be promoted from itself`
            : `unknown environment "${from}" (configured: ${Object.keys(config.environments).join(", ")})`,
      });
    const requires = environment.promotionRequires;
    if (requires && from === undefined)
      issues.push({
        pointer: `${at}/promotionRequires`,
        message: `${env} is promoted from no environment: promotionRequires needs promotedFrom`,
      });
    if (requires?.minSoak !== undefined)
      try {
        parseSoak(requires.minSoak);
      } catch (error) {
        issues.push({ pointer: `${at}/promotionRequires/minSoak`, message: (error as Error).message });
      }
  }
  issues.push(...isolationIssues(config));
  settingsIssues(config.defaults, "/defaults", issues);
  for (const [model, entry] of Object.entries(config.models ?? {})) {
    const at = `/models/${pointerSegment(model)}`;
    if (!knownModels.includes(model)) {
      issues.push({ pointer: at, message: `unknown model "${model}" (known: ${knownModels.join(", ")})` });
      continue;
    }
    settingsIssues(entry.settings, `${at}/settings`, issues);
    for (const [env, settings] of Object.entries(entry.environments ?? {})) {
      const envAt = `${at}/environments/${pointerSegment(env)}`;
      if (!Object.hasOwn(config.environments, env))
        issues.push({
          pointer: envAt,
          message: `unknown environment "${env}" (configured: ${Object.keys(config.environments).join(", ")})`,
        });
      settingsIssues(settings, envAt, issues);
    }
  }
  return issues;
}

function settingsIssues(settings: PartialSettings | undefined, at: string, issues: ConfigIssue[]): void {
  if (!settings) return;
  for (const side of ["requests", "limits"] as const) {
    for (const resource of ["cpu", "memory"] as const) {
      const value = settings.resources?.[side]?.[resource];
      if (value === undefined) continue;
      const parsed = quantityValue(value);
      if (parsed === undefined || parsed <= 0)
        issues.push({
          pointer: `${at}/resources/${side}/${resource}`,
          message: `"${value}" is not a positive Kubernetes quantity (like ${resource === "cpu" ? "250m or 1" : "256Mi or 1Gi"})`,
        });
    }
  }
  const weights = settings.canary?.weights;
  if (weights && weights.some((w, i) => i > 0 && w <= weights[i - 1]!))
    issues.push({ pointer: `${at}/canary/weights`, message: "canary weights must increase step by step" });
}

/** Checks a parsed config; throws DeployError("DEPLOY_CONFIG_INVALID") listing every issue with its pointer. */
export function validateDeployConfig(
  value: unknown,
  knownModels: readonly string[],
  source = DEPLOY_CONFIG_NAME,
): DeployConfig {
  let issues: ConfigIssue[];
  if (!check(value)) {
    issues = schemaIssues(check.errors);
  } else {
    issues = semanticIssues(value, knownModels);
  }
  if (issues.length > 0)
    throw new DeployError(
      "DEPLOY_CONFIG_INVALID",
      `${source} is not a valid deployment config:\n${issues.map((i) => `  ${i.pointer}: ${i.message}`).join("\n")}`,
      issues,
    );
  return value as DeployConfig;
}

export function parseDeployConfig(
  text: string,
  knownModels: readonly string[],
  source = DEPLOY_CONFIG_NAME,
): DeployConfig {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES)
    throw new DeployError("DEPLOY_CONFIG_INVALID", `${source} is larger than ${MAX_CONFIG_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DeployError("DEPLOY_CONFIG_PARSE", `${source} is not JSON: ${(error as Error).message}`);
  }
  return validateDeployConfig(value, knownModels, source);
}
