import { HelmProvider } from "@cdktf/provider-helm/lib/provider/index.js";
import { Release } from "@cdktf/provider-helm/lib/release/index.js";
import type { ClusterLayout } from "@lockstep/deploy";
import type { Construct } from "constructs";
import type { ChartName } from "../config.js";
import { DataClientConfig } from "../yandex/kubernetes.js";
import { InfraError } from "../errors.js";
import { LockstepStack, type StackOptions } from "./base.js";
import { INGRESS_NODE_PORTS } from "./network.js";

const ARGO = "https://argoproj.github.io/argo-helm";
const PROMETHEUS = "https://prometheus-community.github.io/helm-charts";
const INGRESS_NGINX = "https://kubernetes.github.io/ingress-nginx";
const MITTWALD = "https://helm.mittwald.de";

/**
 * Argo CD 1.8 dropped the health of Application objects; restored (argo-cd docs/operator-manual/
 * health.md, v2.13.9) so the root Application's sync waves wait for the namespaces' Applications.
 */
export const APPLICATION_HEALTH_LUA = [
  "hs = {}",
  'hs.status = "Progressing"',
  'hs.message = ""',
  "if obj.status ~= nil then",
  "  if obj.status.health ~= nil then",
  "    hs.status = obj.status.health.status",
  "    if obj.status.health.message ~= nil then",
  "      hs.message = obj.status.health.message",
  "    end",
  "  end",
  "end",
  "return hs",
  "",
].join("\n");

export interface PlatformProps {
  /** The cluster's API endpoint and CA (from the cluster stack). */
  endpoint: string;
  caCertificate: string;
  /** What the rendered manifests expect of the cluster (from lockstep.deploy.json). */
  layout: ClusterLayout;
}

/** Values as JSON, which is YAML: sorted by construction, reviewed as plain data. */
const values = (data: unknown) => [JSON.stringify(data, null, 2)];

/**
 * What Argo CD and the monitoring run on, as Helm releases at exact chart versions, and the root
 * Argo CD Application that syncs argocd/bootstrap: one apply bootstraps the GitOps loop.
 */
export class PlatformStack extends LockstepStack {
  readonly releases: Record<Exclude<ChartName, "kubernetes-replicator">, Release> & {
    "kubernetes-replicator"?: Release;
  };

  constructor(scope: Construct, options: StackOptions, props: PlatformProps) {
    super(scope, "platform", options);
    const { layout } = props;
    const client = new DataClientConfig(this, "client");
    new HelmProvider(this, "helm", {
      kubernetes: {
        host: props.endpoint,
        clusterCaCertificate: props.caCertificate,
        token: client.attribute("iam_token"),
      },
    });
    const charts: Partial<Record<ChartName, string>> = this.config.platform.charts;
    const version = (name: ChartName) => {
      const pinned = charts[name];
      if (!pinned)
        throw new InfraError(
          "INFRA_CONFIG_INVALID",
          `/platform/charts/${name}: no version pinned, and lockstep.deploy.json's previews need the chart`,
          [{ pointer: `/platform/charts/${name}`, message: "required with previews" }],
        );
      return pinned;
    };
    const release = (
      name: ChartName,
      repository: string,
      namespace: string,
      data: unknown,
      dependsOn: Release[] = [],
    ) =>
      new Release(this, name, {
        name,
        chart: name,
        repository,
        version: version(name),
        namespace,
        createNamespace: true,
        atomic: true,
        cleanupOnFail: true,
        timeout: 900,
        values: values(data),
        dependsOn,
      });
    const ingress = release("ingress-nginx", INGRESS_NGINX, layout.ingressNamespace, {
      controller: {
        ingressClassResource: { name: layout.ingressClassName, default: true },
        metrics: { enabled: true, serviceMonitor: { enabled: false } },
        // the client's address reaches the pods; the node ports are the ones the network stack opens
        service: { externalTrafficPolicy: "Local", nodePorts: { ...INGRESS_NODE_PORTS } },
        // a TLS block without a Secret (every preview's Ingress) gets the previews' wildcard
        ...(layout.previews
          ? {
              extraArgs: {
                "default-ssl-certificate": `${layout.ingressNamespace}/${layout.previews.tlsSecret}`,
              },
            }
          : {}),
      },
    });
    const prometheus = release("kube-prometheus-stack", PROMETHEUS, layout.prometheusNamespace, {
      // pick up the PodMonitors rendered beside each model, whatever their labels
      prometheus: {
        prometheusSpec: {
          podMonitorSelectorNilUsesHelmValues: false,
          serviceMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          retention: "15d",
        },
      },
      // the rendered dashboards name their folder in the grafana_folder annotation
      grafana: {
        sidecar: {
          dashboards: {
            folderAnnotation: layout.dashboardFolderAnnotation,
            provider: { foldersFromFilesStructure: true },
          },
        },
      },
    });
    const adapter = release(
      "prometheus-adapter",
      PROMETHEUS,
      layout.prometheusNamespace,
      {
        prometheus: { url: `http://prometheus-operated.${layout.prometheusNamespace}.svc`, port: 9090 },
        rules: {
          default: false,
          custom: [
            {
              seriesQuery: `${layout.inFlightMetric}{namespace!="",pod!=""}`,
              resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
              name: { matches: `^${layout.inFlightMetric}$`, as: layout.inFlightMetric },
              metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
            },
          ],
        },
      },
      [prometheus],
    );
    const rollouts = release("argo-rollouts", ARGO, layout.argocdNamespace, {
      dashboard: { enabled: false },
      // the rendered argocd/bootstrap carries argo-rollouts-notification-configmap (the revert)
      notifications: { configmap: { create: false } },
    });
    const argocd = release("argo-cd", ARGO, layout.argocdNamespace, {
      configs: {
        params: { "server.insecure": false },
        cm: { "resource.customizations.health.argoproj.io_Application": APPLICATION_HEALTH_LUA },
      },
      // Argo Rollouts sends the revert; Argo CD sends no notification
      notifications: { enabled: false },
    });
    const replicator = layout.previews
      ? release("kubernetes-replicator", MITTWALD, "kubernetes-replicator", {
          image: { pullPolicy: "IfNotPresent" },
          // Secrets only: the previews' store key, from the one source annotated to replicate
          replicationEnabled: {
            secrets: true,
            configMaps: false,
            roles: false,
            roleBindings: false,
            serviceAccounts: false,
          },
          // its image (FROM scratch) names no user: without a uid the kubelet refuses runAsNonRoot
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            capabilities: { drop: ["ALL"] },
          },
        })
      : undefined;
    const apps = release(
      "argocd-apps",
      ARGO,
      layout.argocdNamespace,
      {
        applications: {
          "lockstep-root": {
            namespace: layout.argocdNamespace,
            project: "default",
            source: {
              repoURL: layout.repositoryUrl,
              targetRevision: layout.revision,
              path: layout.bootstrapPath,
            },
            destination: { server: "https://kubernetes.default.svc", namespace: layout.argocdNamespace },
            syncPolicy: { automated: { prune: true, selfHeal: true } },
          },
        },
      },
      [argocd, rollouts, prometheus, adapter, ingress, ...(replicator ? [replicator] : [])],
    );
    this.releases = {
      "ingress-nginx": ingress,
      "kube-prometheus-stack": prometheus,
      "prometheus-adapter": adapter,
      "argo-rollouts": rollouts,
      "argo-cd": argocd,
      "argocd-apps": apps,
      ...(replicator ? { "kubernetes-replicator": replicator } : {}),
    };
  }
}
