import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { commonLabels, names, selectorLabels, waveAnnotation, WAVE, type RenderTarget } from "../target.js";

/** The per-pod load metric the Prometheus adapter serves from the server's gauge. */
export const IN_FLIGHT_METRIC = "lockstep_http_requests_in_flight";

/** CPU, plus requests in flight per pod when the cluster runs the Prometheus adapter. */
export function autoscaler(target: RenderTarget): HorizontalPodAutoscaler {
  const { hpa } = target.settings;
  const adapter = target.config.cluster?.prometheusAdapter === true && hpa.inFlightPerPod !== undefined;
  return new HorizontalPodAutoscaler({
    metadata: {
      name: names.stable(target.model),
      labels: commonLabels(target),
      annotations: waveAnnotation(WAVE.workload),
    },
    spec: {
      scaleTargetRef: {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        name: names.stable(target.model),
      },
      minReplicas: hpa.minReplicas,
      maxReplicas: hpa.maxReplicas,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: hpa.cpuUtilization } },
        },
        ...(adapter
          ? [
              {
                type: "Pods",
                pods: {
                  metric: { name: IN_FLIGHT_METRIC },
                  target: { type: "AverageValue", averageValue: String(hpa.inFlightPerPod) },
                },
              },
            ]
          : []),
      ],
      behavior: {
        // scale up at once, down slowly: a canary's traffic shift must not thrash the stable set
        scaleDown: {
          stabilizationWindowSeconds: 300,
          policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
        },
      },
    },
  });
}

/** At most one pod down for voluntary disruptions, whatever the replica count. */
export function disruptionBudget(target: RenderTarget): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: {
      name: names.stable(target.model),
      labels: commonLabels(target),
      annotations: waveAnnotation(WAVE.workload),
    },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(target) } },
  });
}
