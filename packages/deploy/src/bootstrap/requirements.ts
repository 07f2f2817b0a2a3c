/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped, as the API server reads it */
// What the rendered objects need from the cluster before they can work: every Secret, ConfigMap,
// ServiceAccount, namespace, custom resource definition, IngressClass and aggregated API they
// name. Read off the rendered files, never from the code that wrote them.
import { parseAllDocuments } from "yaml";
import type { DeployConfig } from "../config.js";
import { argocdNamespace } from "../objects/argocd.js";
import { ROLLOUTS_NOTIFICATION_SECRET, ROLLOUTS_NOTIFICATION_TOKEN_KEY } from "../objects/notifications.js";
import { PREVIEW_NAMESPACE_PATTERN, PREVIEW_TLS_SECRET, PREVIEWS_DIR } from "../objects/previews.js";
import { DEFAULT_INGRESS_NAMESPACE } from "../objects/network.js";

export type RequirementKind =
  | "Namespace"
  | "Secret"
  | "ConfigMap"
  | "ServiceAccount"
  | "CustomResourceDefinition"
  | "IngressClass"
  | "APIService";

export interface Requirement {
  kind: RequirementKind;
  name: string;
  /** For namespaced kinds; previews' namespaces are the pattern `lockstep-pr-[0-9]+`. */
  namespace?: string;
  /** Secret keys read one by one (secretKeyRef, TLS); envFrom reads whatever is there. */
  keys?: string[];
  /** The rendered files that need it. */
  neededBy: string[];
}

/** The plural of each custom kind rendered: its CRD is `<plural>.<group>`. */
const PLURALS: Record<string, string> = {
  Rollout: "rollouts",
  AnalysisTemplate: "analysistemplates",
  Application: "applications",
  ApplicationSet: "applicationsets",
  AppProject: "appprojects",
  PodMonitor: "podmonitors",
  PrometheusRule: "prometheusrules",
  ServiceMonitor: "servicemonitors",
};
const BUILT_IN_GROUPS = new Set(["", "apps", "batch", "autoscaling", "policy", "networking.k8s.io"]);
const CLUSTER_SCOPED = new Set(["Namespace"]);

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");
export const requirementKey = (r: Pick<Requirement, "kind" | "name" | "namespace">) =>
  `${r.kind}/${r.namespace ?? ""}/${r.name}`;

/** The namespace a rendered file's objects land in: their own, or their folder's environment's. */
function namespaceOf(path: string, object: any, config: DeployConfig): string | undefined {
  if (CLUSTER_SCOPED.has(object.kind)) return undefined;
  if (object.metadata?.namespace) return object.metadata.namespace;
  if (path.startsWith(`${PREVIEWS_DIR}/`)) return PREVIEW_NAMESPACE_PATTERN;
  const environment = /^argocd\/envs\/([^/]+)\//.exec(path)?.[1];
  return environment ? config.environments[environment]?.namespace : undefined;
}

function podSpecOf(object: any): any {
  if (object.kind === "Rollout") return object.spec?.template?.spec;
  if (object.kind === "CronJob") return object.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}

type Add = (r: Omit<Requirement, "neededBy">) => void;

function podNeeds(pod: any, namespace: string, add: Add): void {
  if (pod.serviceAccountName) add({ kind: "ServiceAccount", name: pod.serviceAccountName, namespace });
  for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    for (const from of container.envFrom ?? []) {
      if (from.secretRef && !from.secretRef.optional)
        add({ kind: "Secret", name: from.secretRef.name, namespace });
      if (from.configMapRef && !from.configMapRef.optional)
        add({ kind: "ConfigMap", name: from.configMapRef.name, namespace });
    }
    for (const variable of container.env ?? []) {
      const secret = variable.valueFrom?.secretKeyRef;
      if (secret && !secret.optional)
        add({ kind: "Secret", name: secret.name, namespace, keys: [secret.key] });
      const map = variable.valueFrom?.configMapKeyRef;
      if (map && !map.optional) add({ kind: "ConfigMap", name: map.name, namespace, keys: [map.key] });
    }
  }
  for (const volume of pod.volumes ?? []) {
    if (volume.configMap && !volume.configMap.optional)
      add({
        kind: "ConfigMap",
        name: volume.configMap.name,
        namespace,
        ...(volume.configMap.items
          ? { keys: volume.configMap.items.map((i: { key: string }) => i.key) }
          : {}),
      });
    if (volume.secret && !volume.secret.optional)
      add({ kind: "Secret", name: volume.secret.secretName, namespace });
  }
}

function objectNeeds(object: any, namespace: string | undefined, config: DeployConfig, add: Add): void {
  const group = groupOf(object.apiVersion ?? "");
  if (!BUILT_IN_GROUPS.has(group))
    add({
      kind: "CustomResourceDefinition",
      name: `${PLURALS[object.kind] ?? object.kind.toLowerCase()}.${group}`,
    });
  if (namespace) add({ kind: "Namespace", name: namespace });
  const pod = podSpecOf(object);
  if (pod && namespace) podNeeds(pod, namespace, add);
  if (object.kind === "Ingress") {
    add({ kind: "IngressClass", name: object.spec.ingressClassName });
    for (const tls of object.spec.tls ?? []) {
      // no secret: the controller's default certificate (the previews' wildcard)
      if (tls.secretName)
        add({ kind: "Secret", name: tls.secretName, namespace, keys: ["tls.crt", "tls.key"] });
      else
        add({
          kind: "Secret",
          name: PREVIEW_TLS_SECRET,
          namespace: config.cluster?.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE,
          keys: ["tls.crt", "tls.key"],
        });
    }
  }
  if (object.kind === "HorizontalPodAutoscaler")
    for (const metric of object.spec.metrics ?? []) {
      if (metric.type === "Resource") add({ kind: "APIService", name: "v1beta1.metrics.k8s.io" });
      if (metric.type === "Pods") add({ kind: "APIService", name: "v1beta1.custom.metrics.k8s.io" });
    }
  if (object.kind === "ApplicationSet")
    for (const generator of object.spec.generators ?? []) {
      const token = generator.pullRequest?.github?.tokenRef;
      if (token) add({ kind: "Secret", name: token.secretName, namespace, keys: [token.key] });
    }
  if (object.kind === "ConfigMap" && object.metadata.name === "argo-rollouts-notification-configmap")
    add({
      kind: "Secret",
      name: ROLLOUTS_NOTIFICATION_SECRET,
      namespace: argocdNamespace(config),
      keys: [ROLLOUTS_NOTIFICATION_TOKEN_KEY],
    });
}

/** Every object in the rendered files, with the namespace it lands in. */
export function renderedObjects(
  files: Map<string, string>,
  config: DeployConfig,
): { path: string; object: any; namespace?: string }[] {
  return [...files]
    .filter(([path]) => !path.endsWith("kustomization.yaml"))
    .flatMap(([path, text]) =>
      parseAllDocuments(text)
        .map((d) => d.toJSON())
        .filter(Boolean)
        .map((object) => ({ path, object, namespace: namespaceOf(path, object, config) })),
    );
}

/** What the rendered objects need, merged by object (keys united, every file that needs it listed). */
export function clusterRequirements(files: Map<string, string>, config: DeployConfig): Requirement[] {
  const needs = new Map<string, Requirement>();
  for (const { path, object, namespace } of renderedObjects(files, config)) {
    objectNeeds(object, namespace, config, (r) => {
      const key = requirementKey(r);
      const seen = needs.get(key) ?? { ...r, keys: undefined, neededBy: [] };
      if (r.keys) seen.keys = [...new Set([...(seen.keys ?? []), ...r.keys])].sort();
      if (!seen.neededBy.includes(path)) seen.neededBy.push(path);
      needs.set(key, seen);
    });
  }
  return [...needs.values()]
    .map(({ kind, name, namespace, keys, neededBy }) => ({
      kind,
      name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(keys ? { keys } : {}),
      neededBy,
    }))
    .sort((a, b) => (requirementKey(a) < requirementKey(b) ? -1 : 1));
}
