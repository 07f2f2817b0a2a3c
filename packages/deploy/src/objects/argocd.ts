import { Application, ApplicationSet, AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import type { DeployConfig } from "../config.js";
import { MANAGED_BY, PART_OF, waveAnnotation, WAVE } from "../target.js";

export const DEFAULT_ARGOCD_NAMESPACE = "argocd";
export const DEFAULT_PROJECT = "lockstep";
export const IN_CLUSTER = "https://kubernetes.default.svc";
export const PREVIEW_NAMESPACE_PREFIX = "lockstep-pr-";
export const PREVIEW_LABEL = "model-bump";
export const REVERT_EVENT = "canary-failed";
export const GITHUB_TOKEN_SECRET = "lockstep-github";

/** Every kind the rendered folders hold: the project admits these and nothing else. */
export const NAMESPACED_KINDS: [string, string][] = [
  ["", "ConfigMap"],
  ["", "Service"],
  ["", "ServiceAccount"],
  ["apps", "ReplicaSet"],
  ["apps", "Deployment"],
  ["argoproj.io", "Rollout"],
  ["argoproj.io", "AnalysisTemplate"],
  ["argoproj.io", "AnalysisRun"],
  ["autoscaling", "HorizontalPodAutoscaler"],
  ["batch", "CronJob"],
  ["policy", "PodDisruptionBudget"],
  ["networking.k8s.io", "NetworkPolicy"],
  ["networking.k8s.io", "Ingress"],
  ["monitoring.coreos.com", "PodMonitor"],
  ["monitoring.coreos.com", "PrometheusRule"],
];

export const argocdNamespace = (config: DeployConfig) => config.argocd?.namespace ?? DEFAULT_ARGOCD_NAMESPACE;
export const projectName = (config: DeployConfig) => config.argocd?.project ?? DEFAULT_PROJECT;
/** A folder of this repository at the configured revision. */
const gitSource = (config: DeployConfig, path: string) => ({
  repoURL: config.repository.url,
  targetRevision: config.repository.revision ?? "main",
  path,
});

export const envPath = (environment: string) => `argocd/envs/${environment}`;
export const modelPath = (environment: string, model: string) => `${envPath(environment)}/${model}`;
export const namespacePath = (environment: string) => `${envPath(environment)}/namespace`;

const labels = { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": MANAGED_BY };

/** owner and repo from https://github.com/<owner>/<repo>.git */
export function githubRepository(config: DeployConfig): { owner: string; repo: string } {
  const [, owner = "", repo = ""] =
    /^https:\/\/github\.com\/([^/]+)\/([^/]+?)\.git$/.exec(config.repository.url) ?? [];
  return { owner, repo };
}

/** Least privilege: this repository, the environments' namespaces (never a preview's), the kinds rendered. */
export function appProject(config: DeployConfig): AppProject {
  return new AppProject({
    // before the namespace Applications (wave -2) that name it: an Application of a missing
    // project is Unknown, never Healthy, and the root sync would wait for it forever
    metadata: {
      name: projectName(config),
      namespace: argocdNamespace(config),
      labels,
      annotations: waveAnnotation(WAVE.project),
    },
    spec: {
      description: "Lockstep inference services: exactly the pins of models.lock.json",
      sourceRepos: [config.repository.url],
      destinations: [
        ...Object.values(config.environments).map((env) => ({
          server: IN_CLUSTER,
          namespace: env.namespace,
        })),
      ],
      clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
      namespaceResourceWhitelist: NAMESPACED_KINDS.map(([group, kind]) => ({ group, kind })),
      orphanedResources: { warn: true },
    },
  });
}

function syncPolicy(auto: boolean) {
  return {
    ...(auto ? { automated: { prune: true, selfHeal: true } } : {}),
    syncOptions: ["PruneLast=true", "RespectIgnoreDifferences=true"],
    retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
  };
}

/** The HPA owns a Rollout's replica count: Argo CD must not reset it to the rendered one. */
const ignoreReplicas = [{ group: "argoproj.io", kind: "Rollout", jsonPointers: ["/spec/replicas"] }];

/**
 * The namespace folder of an environment, synced before any model: wave -2 of the root Application,
 * which waits for it to be Healthy before creating the ApplicationSets (wave 0) once Argo CD assesses
 * Applications' health (the platform stack restores that check in argocd-cm). No resources
 * finalizer: deleting this Application leaves the namespace and the Secrets made in it by hand.
 */
export function namespaceApplication(config: DeployConfig, environment: string): Application {
  const env = config.environments[environment]!;
  return new Application({
    metadata: {
      name: `${environment}-namespace`,
      namespace: argocdNamespace(config),
      labels: { ...labels, "lockstep.dev/environment": environment },
      annotations: { "argocd.argoproj.io/sync-wave": "-2" },
    },
    spec: {
      project: projectName(config),
      source: gitSource(config, namespacePath(environment)),
      destination: { server: IN_CLUSTER, namespace: env.namespace },
      syncPolicy: { automated: { prune: false, selfHeal: true }, syncOptions: ["CreateNamespace=false"] },
    },
  });
}

/** One Application per rendered model folder of the environment; staging syncs by itself. */
export function environmentApplicationSet(
  config: DeployConfig,
  environment: string,
  models: string[],
  /** Why no model is generated (a dry run), shown on the ApplicationSet. */
  held?: string,
): ApplicationSet {
  const env = config.environments[environment]!;
  const auto = (env.sync ?? (environment === "production" ? "manual" : "auto")) === "auto";
  return new ApplicationSet({
    metadata: {
      name: `lockstep-${environment}`,
      namespace: argocdNamespace(config),
      labels,
      ...(held ? { annotations: { "lockstep.dev/held": held } } : {}),
    },
    spec: {
      goTemplate: true,
      goTemplateOptions: ["missingkey=error"],
      generators: [
        { list: { elements: models.map((model) => ({ model, path: modelPath(environment, model) })) } },
      ],
      template: {
        metadata: {
          name: `${environment}-{{.model}}`,
          labels: { ...labels, "lockstep.dev/environment": environment, "lockstep.dev/model": "{{.model}}" },
          finalizers: ["resources-finalizer.argocd.argoproj.io"],
        },
        spec: {
          project: projectName(config),
          source: gitSource(config, "{{.path}}"),
          destination: { server: IN_CLUSTER, namespace: env.namespace },
          syncPolicy: syncPolicy(auto),
          ignoreDifferences: ignoreReplicas,
        },
      },
    },
  });
}
