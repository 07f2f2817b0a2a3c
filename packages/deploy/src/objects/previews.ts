import { ApplicationSet, AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import type { DeployConfig, EnvironmentConfig, StoreConfig } from "../config.js";
import { MANAGED_BY, PART_OF, waveAnnotation, WAVE } from "../target.js";
import {
  argocdNamespace,
  githubRepository,
  GITHUB_TOKEN_SECRET,
  IN_CLUSTER,
  PREVIEW_LABEL,
  PREVIEW_NAMESPACE_PREFIX,
} from "./argocd.js";

/** Previews show a pull request's staging pin: staging's settings, their own identity. */
export const PREVIEW_SOURCE = "staging";
/** The environment name preview pods run under (never staging's: no log, report or alert of staging's). */
export const PREVIEW_ENVIRONMENT = "preview";
/** The project of a preview's workload, synced from the pull request's head: its namespaces only. */
export const PREVIEW_PROJECT = "lockstep-previews";
/** The project of a preview's sandbox (namespace, policies, routing), synced from the configured revision (main) only. */
export const PREVIEW_SANDBOX_PROJECT = "lockstep-preview-sandboxes";
export const PREVIEW_STORE_SECRET = "lockstep-store-preview";
/** The name the rendered preview namespace carries until its Application names it per pull request. */
export const PREVIEW_NAMESPACE_PLACEHOLDER = `${PREVIEW_NAMESPACE_PREFIX}0`;
export const PREVIEWS_DIR = "argocd/previews";
export const previewPath = (model: string) => `${PREVIEWS_DIR}/${model}`;
/** A model's preview sandbox: what main renders around a pull request's workload, never the head. */
export const previewSandboxPath = (model: string) => `${previewPath(model)}/sandbox`;

/**
 * What a pull request's head supplies: its pin, a service account and the workload. Its project
 * admits these kinds and nothing else: no routing (an Ingress could claim another host), no
 * network policy (policies add up: one could undo the sandbox's default deny), nothing
 * cluster-scoped.
 */
export const PREVIEW_KINDS: [string, string][] = [
  ["", "ConfigMap"],
  ["", "ServiceAccount"],
  ["argoproj.io", "Rollout"],
];

/** What main supplies around it: the namespace (cluster-scoped), its policies, the Service and the Ingress. */
export const SANDBOX_KINDS: [string, string][] = [
  ["", "Service"],
  ["networking.k8s.io", "NetworkPolicy"],
  ["networking.k8s.io", "Ingress"],
];

const labels = { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": MANAGED_BY };
const previewNamespaces = { server: IN_CLUSTER, namespace: `${PREVIEW_NAMESPACE_PREFIX}*` };

/** The store previews read: their own (read-only) credentials, staging's bucket unless configured. */
export function previewStore(config: DeployConfig): StoreConfig {
  const staging = config.environments[PREVIEW_SOURCE]!.store;
  const own = config.previews?.store;
  return {
    uri: own?.uri ?? staging.uri,
    ...((own?.endpoint ?? staging.endpoint) ? { endpoint: own?.endpoint ?? staging.endpoint } : {}),
    ...((own?.region ?? staging.region) ? { region: own?.region ?? staging.region } : {}),
    secretName: own?.secretName ?? PREVIEW_STORE_SECRET,
    ...(own?.serviceAccountAnnotations ? { serviceAccountAnnotations: own.serviceAccountAnnotations } : {}),
  };
}

/**
 * A preview as an environment: its own name and store, no monitoring or cache of staging's, and
 * HTTPS with the ingress controller's default certificate (the wildcard for the previews' domain
 * the platform stack configures), never staging's TLS Secret.
 */
export function previewEnvironment(config: DeployConfig): EnvironmentConfig {
  return {
    namespace: PREVIEW_NAMESPACE_PLACEHOLDER,
    // replaced per pull request by the ApplicationSet's patch (<branch slug>.<domain>)
    host: `pr.${config.previews!.domain}`,
    sync: "auto",
    tlsDefaultCertificate: true,
    store: previewStore(config),
  };
}

/** The wildcard certificate's Secret the ingress controller serves as its default (for previews). */
export const PREVIEW_TLS_SECRET = "lockstep-preview-tls";
/**
 * The annotation kubernetes-replicator (mittwald, v2.12.4) pushes a Secret by into every namespace
 * whose whole name matches (replicate/common/generic-replicator.go:418-430, strings.go:65-76).
 */
export const REPLICATE_TO = "replicator.v1.mittwald.de/replicate-to";
export const PREVIEW_NAMESPACE_PATTERN = `${PREVIEW_NAMESPACE_PREFIX}[0-9]+`;

/** A project of this repository over the pull-request namespaces, admitting exactly these kinds. */
function pullRequestProject(
  config: DeployConfig,
  name: string,
  description: string,
  kinds: { cluster: [string, string][]; namespaced: [string, string][] },
): AppProject {
  const list = (pairs: [string, string][]) => pairs.map(([group, kind]) => ({ group, kind }));
  return new AppProject({
    metadata: { name, namespace: argocdNamespace(config), labels, annotations: waveAnnotation(WAVE.project) },
    spec: {
      description,
      sourceRepos: [config.repository.url],
      destinations: [previewNamespaces],
      // an empty list, not an absent one: Argo CD then admits no cluster-scoped kind at all
      clusterResourceWhitelist: list(kinds.cluster),
      namespaceResourceWhitelist: list(kinds.namespaced),
      orphanedResources: { warn: true },
    },
  });
}

/** A preview's workload project: pull-request namespaces only, the preview kinds only, nothing cluster-scoped. */
export const previewProject = (config: DeployConfig) =>
  pullRequestProject(
    config,
    PREVIEW_PROJECT,
    "Lockstep previews: a pull request's head, in lockstep-pr-* namespaces only",
    {
      cluster: [],
      namespaced: PREVIEW_KINDS,
    },
  );

/** The project of the sandboxes: Namespace, policies and routing, from main only. */
export const previewSandboxProject = (config: DeployConfig) =>
  pullRequestProject(
    config,
    PREVIEW_SANDBOX_PROJECT,
    "Lockstep preview sandboxes, from the configured revision: no pull request's files",
    { cluster: [["", "Namespace"]], namespaced: SANDBOX_KINDS },
  );

/** Open model-bump pull requests for the preview source environment (proposal branches lockstep/<model>/staging). */
function pullRequests(config: DeployConfig) {
  const { owner, repo } = githubRepository(config);
  return [
    {
      pullRequest: {
        github: {
          owner,
          repo,
          labels: [config.previews!.label ?? PREVIEW_LABEL],
          tokenRef: { secretName: GITHUB_TOKEN_SECRET, key: "token" },
        },
        filters: [{ branchMatch: `^lockstep/[a-z0-9-]+/${PREVIEW_SOURCE}$` }],
        requeueAfterSeconds: 120,
      },
    },
  ];
}

const retry = { limit: 10, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } };

type TemplateSpec = NonNullable<ConstructorParameters<typeof ApplicationSet>[0]>["spec"]["template"]["spec"];

/** One Application per open model-bump pull request, named `preview-<number><suffix>`, in its namespace. */
function perPullRequest(
  config: DeployConfig,
  name: string,
  suffix: string,
  spec: Omit<TemplateSpec, "destination">,
): ApplicationSet {
  return new ApplicationSet({
    metadata: { name, namespace: argocdNamespace(config), labels },
    spec: {
      goTemplate: true,
      goTemplateOptions: ["missingkey=error"],
      generators: pullRequests(config),
      template: {
        metadata: {
          name: `preview-{{.number}}${suffix}`,
          labels: { ...labels, "lockstep.dev/preview": "{{.number}}" },
          finalizers: ["resources-finalizer.argocd.argoproj.io"],
        },
        spec: {
          ...spec,
          destination: { server: IN_CLUSTER, namespace: `${PREVIEW_NAMESPACE_PREFIX}{{.number}}` },
        },
      },
    },
  });
}

/** Each preview's sandbox, from the configured revision's folder (never the pull request's): its namespace and host per pull request. */
export function previewSandboxApplicationSet(config: DeployConfig): ApplicationSet {
  return perPullRequest(config, "lockstep-preview-sandboxes", "-sandbox", {
    project: PREVIEW_SANDBOX_PROJECT,
    source: {
      repoURL: config.repository.url,
      targetRevision: config.repository.revision ?? "main",
      path: `${PREVIEWS_DIR}/{{ index (splitList "/" .branch) 1 }}/sandbox`,
      kustomize: {
        patches: [
          {
            target: { kind: "Namespace", name: PREVIEW_NAMESPACE_PLACEHOLDER },
            patch: `- op: replace\n  path: /metadata/name\n  value: "${PREVIEW_NAMESPACE_PREFIX}{{.number}}"\n`,
          },
          {
            target: { kind: "Ingress" },
            patch:
              `- op: replace\n  path: /spec/rules/0/host\n  value: "{{.branch_slug}}.${config.previews!.domain}"\n` +
              `- op: replace\n  path: /spec/tls/0/hosts/0\n  value: "{{.branch_slug}}.${config.previews!.domain}"\n`,
          },
        ],
      },
    },
    syncPolicy: { automated: { prune: true, selfHeal: true }, retry },
  });
}

/** Each open model-bump pull request's head, in its own namespace, gone when the pull request closes. */
export function previewApplicationSet(config: DeployConfig): ApplicationSet {
  return perPullRequest(config, "lockstep-previews", "", {
    project: PREVIEW_PROJECT,
    source: {
      repoURL: config.repository.url,
      targetRevision: "{{.head_sha}}",
      path: `${PREVIEWS_DIR}/{{ index (splitList "/" .branch) 1 }}`,
    },
    syncPolicy: {
      automated: { prune: true, selfHeal: true },
      // the namespace is the sandbox's: wait for it, never create it; never take another's object
      syncOptions: ["CreateNamespace=false", "FailOnSharedResource=true"],
      retry,
    },
  });
}
