import { HelmProvider } from "@cdktf/provider-helm/lib/provider/index.js";
import { Release } from "@cdktf/provider-helm/lib/release/index.js";
import type { ClusterLayout } from "@lockstep/deploy";
import type { Construct } from "constructs";
import type { ChartName } from "../config.js";
import { DataClientConfig } from "../yandex/kubernetes.js";
import { LockstepStack, type StackOptions } from "./base.js";
import { INGRESS_NODE_PORTS } from "./network.js";

const ARGO = "https://argoproj.github.io/argo-helm";
const PROMETHEUS = "https://prometheus-community.github.io/helm-charts";
const INGRESS_NGINX = "https://kubernetes.github.io/ingress-nginx";

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
  readonly releases: Record<ChartName, Release>;

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
    const charts = this.config.platform.charts;
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
        version: charts[name],
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
    });
    const argocd = release("argo-cd", ARGO, layout.argocdNamespace, {
      configs: { params: { "server.insecure": false } },
      // the rendered argocd/bootstrap carries argocd-notifications-cm; the chart must not own it
      notifications: { enabled: true, cm: { create: false } },
    });
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
      [argocd, rollouts, prometheus, adapter, ingress],
    );
    this.releases = {
      "ingress-nginx": ingress,
      "kube-prometheus-stack": prometheus,
      "prometheus-adapter": adapter,
      "argo-rollouts": rollouts,
      "argo-cd": argocd,
      "argocd-apps": apps,
    };
  }
}
