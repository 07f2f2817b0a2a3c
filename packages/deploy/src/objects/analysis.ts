import { AnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
import { judgeChecks } from "../judge-checks.js";
import { judgeUrl } from "./canary-judge.js";
import { canaryQueries } from "../queries.js";
import { commonLabels, names, waveAnnotation, WAVE, type RenderTarget } from "../target.js";

export const DEFAULT_PROMETHEUS = "http://prometheus-operated.monitoring.svc:9090";

/**
 * The canary's checks on Prometheus: SLO (errors, p99) and behaviour against the stable pods. An
 * empty result is neither a pass nor a failure: more than `inconclusiveLimit` of them and the
 * analysis ends Inconclusive, which pauses the rollout for a person. The first measurement waits
 * a full query window (`initialDelay`), so it never judges the canary on the seconds after it starts.
 * Class shares and value shift are measured by the canary judge (web provider) unless it is off.
 */
export function analysisTemplate(target: RenderTarget): AnalysisTemplate {
  const { analysis } = target.settings.canary;
  const address = target.config.cluster?.prometheusAddress ?? DEFAULT_PROMETHEUS;
  const judge = judgeUrl(target.config, target.env);
  const judged = judge ? judgeChecks(target.spec, analysis, judge) : [];
  const timing = {
    interval: analysis.interval,
    initialDelay: analysis.initialDelay ?? analysis.window,
    count: analysis.count,
    failureLimit: 1,
    inconclusiveLimit: analysis.inconclusiveLimit,
  };
  return new AnalysisTemplate({
    metadata: {
      name: names.analysis(target.model),
      labels: commonLabels(target),
      annotations: waveAnnotation(WAVE.config),
    },
    spec: {
      args: [{ name: "canary-hash" }, { name: "stable-hash" }, { name: "namespace" }],
      metrics: [
        // with the judge, its statistical checks replace the PromQL thresholds of the same name
        ...canaryQueries(target.spec, analysis)
          .filter((q) => !judged.some((j) => j.name === q.name))
          .map((q) => ({
            name: q.name,
            ...timing,
            successCondition: `len(result) > 0 && result[0] <= ${q.max}`,
            failureCondition: `len(result) > 0 && result[0] > ${q.max}`,
            provider: { prometheus: { address, query: q.query } },
          })),
        // the judge's JSON is the recorded value: the p-value or the interval, and both sides' n
        ...judged.map((j) => ({
          name: j.name,
          ...timing,
          successCondition: j.successCondition,
          failureCondition: j.failureCondition,
          provider: { web: { url: j.url, timeoutSeconds: 10, jsonPath: "{$}" } },
        })),
      ],
    },
  });
}
