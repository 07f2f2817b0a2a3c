import type { DeployConfig } from "./config.js";
import { GENERATED_DIRS } from "./render.js";
import { argocdNamespace, GITHUB_TOKEN_SECRET, projectName } from "./objects/argocd.js";
import { DEFAULT_INGRESS_NAMESPACE, DEFAULT_PROMETHEUS_NAMESPACE } from "./objects/network.js";
import { IN_FLIGHT_METRIC } from "./objects/scaling.js";
import { FOLDER_ANNOTATION } from "./objects/dashboard.js";
import {
  PREVIEW_NAMESPACE_PATTERN,
  PREVIEW_SOURCE,
  PREVIEW_TLS_SECRET,
  previewStore,
} from "./objects/previews.js";

/** Where the rendered manifests expect the platform: what the infrastructure installs must match. */
export interface ClusterLayout {
  argocdNamespace: string;
  project: string;
  ingressNamespace: string;
  ingressClassName: string;
  prometheusNamespace: string;
  repositoryUrl: string;
  revision: string;
  /** The folder the root Application syncs: the AppProject, ApplicationSets and notifications. */
  bootstrapPath: string;
  /** The buckets the environments' pods read artifacts from. */
  storeBuckets: string[];
  /** The annotation the rendered dashboards name their Grafana folder in. */
  dashboardFolderAnnotation: string;
  /** The per-pod gauge the HPAs scale on, served by the Prometheus adapter. */
  inFlightMetric: string;
  /** Secrets the rendered objects name, which an operator creates (never committed). */
  githubTokenSecret: string;
  /**
   * With previews: the Secret (in the ingress namespace) ingress-nginx serves as its default
   * certificate (the previews' wildcard), and the store Secret kubernetes-replicator pushes from
   * Argo CD's namespace into every namespace matching `namespacePattern`.
   */
  previews?: { tlsSecret: string; storeSecret: string; namespacePattern: string };
}

export function clusterLayout(config: DeployConfig): ClusterLayout {
  return {
    argocdNamespace: argocdNamespace(config),
    project: projectName(config),
    ingressNamespace: config.cluster?.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE,
    ingressClassName: config.cluster?.ingressClassName ?? "nginx",
    prometheusNamespace: config.cluster?.prometheusNamespace ?? DEFAULT_PROMETHEUS_NAMESPACE,
    repositoryUrl: config.repository.url,
    revision: config.repository.revision ?? "main",
    bootstrapPath: GENERATED_DIRS[0],
    storeBuckets: [
      ...new Set(Object.values(config.environments).map((env) => new URL(env.store.uri).hostname)),
    ].sort(),
    inFlightMetric: IN_FLIGHT_METRIC,
    dashboardFolderAnnotation: FOLDER_ANNOTATION,
    githubTokenSecret: GITHUB_TOKEN_SECRET,
    ...(config.previews && config.environments[PREVIEW_SOURCE]
      ? {
          previews: {
            tlsSecret: PREVIEW_TLS_SECRET,
            storeSecret: previewStore(config).secretName!,
            namespacePattern: PREVIEW_NAMESPACE_PATTERN,
          },
        }
      : {}),
  };
}
