import { AnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
import { canaryQueries } from "../queries.js";
import { commonLabels, names, waveAnnotation, WAVE, type RenderTarget } from "../target.js";

export const DEFAULT_PROMETHEUS = "http://prometheus-operated.monitoring.svc:9090";

/**
 * The canary's checks on Prometheus: SLO (errors, p99) and behaviour against the stable pods. An
 * empty result is neither a pass nor a failure: more than `inconclusiveLimit` of them and the
 * analysis ends Inconclusive, which pauses the rollout for a person. The first measurement waits
 * a full query window (`initialDelay`), so it never judges the canary on the seconds after it starts.
 */
export function analysisTemplate(target: RenderTarget): AnalysisTemplate {
  const { analysis } = target.settings.canary;
  const address = target.config.cluster?.prometheusAddress ?? DEFAULT_PROMETHEUS;
  return new AnalysisTemplate({
    metadata: {
      name: names.analysis(target.model),
      labels: commonLabels(target),
      annotations: waveAnnotation(WAVE.config),
    },
    spec: {
      args: [{ name: "canary-hash" }, { name: "stable-hash" }, { name: "namespace" }],
      metrics: canaryQueries(target.spec, analysis).map((q) => ({
        name: q.name,
        interval: analysis.interval,
        initialDelay: analysis.initialDelay ?? analysis.window,
        count: analysis.count,
        failureLimit: 1,
        inconclusiveLimit: analysis.inconclusiveLimit,
        successCondition: `len(result) > 0 && result[0] <= ${q.max}`,
        failureCondition: `len(result) > 0 && result[0] > ${q.max}`,
        provider: { prometheus: { address, query: q.query } },
      })),
    },
  });
}
