import { Application, ApplicationSet, AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import { AnalysisTemplate, Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
import {
  PodMonitor,
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { CronJob } from "kubernetes-models/batch/v1";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { DeployError } from "./errors.js";

type Model = new (data: never) => { validate(): void };

/** The model class that validates each kind render writes (kustomizations are kustomize's). */
export const MODELS: Record<string, Model> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Namespace": Namespace,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1/CronJob": CronJob,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "networking.k8s.io/v1/Ingress": Ingress,
  "argoproj.io/v1alpha1/Rollout": Rollout,
  "argoproj.io/v1alpha1/AnalysisTemplate": AnalysisTemplate,
  "argoproj.io/v1alpha1/Application": Application,
  "argoproj.io/v1alpha1/ApplicationSet": ApplicationSet,
  "argoproj.io/v1alpha1/AppProject": AppProject,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
};

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** Parses a rendered file and validates each object with its model package; kustomizations pass through. */
export function parseManifests(text: string, path: string): Manifest[] {
  const out: Manifest[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0)
      throw new DeployError("RENDER_INVALID", `${path}: ${document.errors[0]!.message}`);
    const object = document.toJSON() as Manifest;
    if (object.kind === "Kustomization") continue;
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!Model)
      throw new DeployError(
        "RENDER_INVALID",
        `${path}: no model validates ${object.apiVersion} ${object.kind}`,
      );
    try {
      new Model(object as never).validate();
    } catch (error) {
      throw new DeployError("RENDER_INVALID", `${path}: ${(error as Error).message}`);
    }
    out.push(object);
  }
  return out;
}
