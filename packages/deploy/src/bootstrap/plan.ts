// Who provides each thing the rendered objects need: the render itself, the platform stack's Helm
// charts (a literal table, which infra's tests hold the platform stack to), the managed cluster,
// or a numbered hand step. What nobody provides is a pod that will never start.
import type { DeployConfig } from "../config.js";
import { clusterLayout } from "../cluster-layout.js";
import {
  PREVIEW_NAMESPACE_PATTERN,
  PREVIEW_NAMESPACE_PLACEHOLDER,
  previewStore,
} from "../objects/previews.js";
import { clusterRequirements, renderedObjects, requirementKey, type Requirement } from "./requirements.js";
import { bootstrapSteps, type BootstrapStep, type Provided } from "./steps.js";

/** What each chart the platform stack installs brings to the cluster (chart name → objects). */
export function platformProvides(config: DeployConfig): Record<string, Provided[]> {
  const layout = clusterLayout(config);
  const crd = (name: string): Provided => ({ kind: "CustomResourceDefinition", name });
  const namespace = (name: string): Provided => ({ kind: "Namespace", name });
  const previews = config.previews
    ? [
        {
          kind: "Secret" as const,
          name: previewStore(config).secretName!,
          namespace: PREVIEW_NAMESPACE_PATTERN,
          keys: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
        },
      ]
    : [];
  return {
    "argo-cd": [
      namespace(layout.argocdNamespace),
      crd("applications.argoproj.io"),
      crd("applicationsets.argoproj.io"),
      crd("appprojects.argoproj.io"),
    ],
    "argo-rollouts": [
      crd("rollouts.argoproj.io"),
      crd("analysistemplates.argoproj.io"),
      crd("analysisruns.argoproj.io"),
    ],
    "kube-prometheus-stack": [
      namespace(layout.prometheusNamespace),
      crd("podmonitors.monitoring.coreos.com"),
      crd("prometheusrules.monitoring.coreos.com"),
      crd("servicemonitors.monitoring.coreos.com"),
    ],
    "prometheus-adapter": [{ kind: "APIService", name: "v1beta1.custom.metrics.k8s.io" }],
    "ingress-nginx": [
      namespace(layout.ingressNamespace),
      { kind: "IngressClass", name: layout.ingressClassName },
    ],
    // the previews' store Secret, pushed from Argo CD's namespace into each preview's
    "kubernetes-replicator": previews,
  };
}

/** What Yandex Managed Kubernetes runs by itself (metrics-server in kube-system). */
export const MANAGED_CLUSTER_PROVIDES: Provided[] = [{ kind: "APIService", name: "v1beta1.metrics.k8s.io" }];

export interface BootstrapPlan {
  requirements: Requirement[];
  steps: BootstrapStep[];
  /** requirement key → "rendered", "platform: <chart>", "managed cluster" or "step N". */
  providedBy: Map<string, string>;
  /** Needed, provided by nobody (or a Secret provided without a key that is read). */
  missing: { requirement: Requirement; why: string }[];
}

/** The rendered objects' needs against the render, the platform, the managed cluster and the steps. */
export function bootstrapPlan(files: Map<string, string>, config: DeployConfig): BootstrapPlan {
  const requirements = clusterRequirements(files, config);
  const steps = bootstrapSteps(config);
  const providers = new Map<string, { by: string; keys?: string[] }>();
  for (const { object, namespace } of renderedObjects(files, config)) {
    const name =
      object.kind === "Namespace" && object.metadata.name === PREVIEW_NAMESPACE_PLACEHOLDER
        ? PREVIEW_NAMESPACE_PATTERN // the sandbox's namespace, named per pull request
        : object.metadata.name;
    providers.set(requirementKey({ kind: object.kind, name, namespace }), { by: "rendered" });
  }
  for (const [chart, provided] of Object.entries(platformProvides(config)))
    for (const p of provided) providers.set(requirementKey(p), { by: `platform: ${chart}`, keys: p.keys });
  for (const p of MANAGED_CLUSTER_PROVIDES) providers.set(requirementKey(p), { by: "managed cluster" });
  steps.forEach((step, i) => {
    for (const p of step.creates) providers.set(requirementKey(p), { by: `step ${i + 1}`, keys: p.keys });
  });
  const providedBy = new Map<string, string>();
  const missing: BootstrapPlan["missing"] = [];
  for (const requirement of requirements) {
    const key = requirementKey(requirement);
    const provider = providers.get(key);
    if (!provider) {
      missing.push({ requirement, why: "provided by no rendered object, platform chart or bootstrap step" });
      continue;
    }
    const absent = (requirement.keys ?? []).filter((k) => provider.keys && !provider.keys.includes(k));
    if (absent.length > 0)
      missing.push({ requirement, why: `${provider.by} creates it without ${absent.join(", ")}` });
    else providedBy.set(key, provider.by);
  }
  return { requirements, steps, providedBy, missing };
}
