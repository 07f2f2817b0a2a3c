import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { commonLabels, names, selectorLabels, waveAnnotation, WAVE, type RenderTarget } from "../target.js";

/**
 * Scrapes the pods themselves (a ServiceMonitor would see canary pods twice, through both Services)
 * and keeps the pod-template hash, which tells canary series from stable ones.
 */
export function podMonitor(target: RenderTarget): PodMonitor {
  return new PodMonitor({
    metadata: {
      name: names.stable(target.model),
      labels: commonLabels(target),
      annotations: waveAnnotation(WAVE.routing),
    },
    spec: {
      selector: { matchLabels: selectorLabels(target) },
      podTargetLabels: ["rollouts-pod-template-hash", "lockstep.dev/environment", "lockstep.dev/model"],
      podMetricsEndpoints: [{ port: "http", path: "/metrics", interval: "15s", scrapeTimeout: "5s" }],
    },
  });
}
