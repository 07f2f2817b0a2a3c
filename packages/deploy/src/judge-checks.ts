import type { ModelSpec } from "@lockstep/models";
import type { CanaryAnalysis } from "./config.js";
import { ARGS } from "./queries.js";

/*
 * The canary's statistical checks, measured by the canary judge (packages/monitor canary-judge.ts)
 * through Argo Rollouts' web provider. The judge answers the statistics; the thresholds live here, in
 * the conditions, so the rendered template shows the whole rule and the recorded measurement (the
 * judge's JSON) holds the p-value or the interval. `enough` guards each condition: too few requests
 * on either side and neither holds, so the measurement is Inconclusive, never a pass.
 */

export interface JudgeCheck {
  /** The AnalysisTemplate metric name (the same as the PromQL check it replaces). */
  name: string;
  url: string;
  successCondition: string;
  failureCondition: string;
  what: string;
}

/** Conditions for the class-share test: pass within the threshold; fail beyond it and significant. */
export function classShareConditions(maxShift: number, alpha: number) {
  return {
    successCondition: `result.enough == true && result.effect <= ${maxShift}`,
    failureCondition: `result.enough == true && result.effect > ${maxShift} && result.pValue < ${alpha}`,
  };
}

/** Conditions for the value-shift interval: pass inside ±maxShift, fail wholly outside it. */
export function valueShiftConditions(maxShift: number) {
  return {
    successCondition: `result.enough == true && result.low >= -${maxShift} && result.high <= ${maxShift}`,
    failureCondition: `result.enough == true && (result.low > ${maxShift} || result.high < -${maxShift})`,
  };
}

/** The checks a model gets from the judge at `judge` (its base URL), by what its spec observes. */
export function judgeChecks(spec: ModelSpec, analysis: CanaryAnalysis, judge: string): JudgeCheck[] {
  const query = `namespace=${ARGS.namespace}&canary=${ARGS.canary}&stable=${ARGS.stable}&window=${analysis.window}&min=${Math.max(1, analysis.minRequests)}`; // prettier-ignore
  const base = `${judge}/v1/canary/${encodeURIComponent(spec.name)}`;
  const level = Number((1 - analysis.alpha).toFixed(6)); // the judge takes at most six decimals
  const checks: JudgeCheck[] = [];
  const observe = spec.serving.observe;
  if (observe?.classes)
    checks.push({
      name: "class-share-shift",
      what: `chi-square test of canary against stable class counts: fails when p < ${analysis.alpha} and the total-variation distance exceeds ${analysis.classShareShift}`,
      url: `${base}/class-shares?${query}`,
      ...classShareConditions(analysis.classShareShift, analysis.alpha),
    });
  if (observe?.values)
    checks.push({
      name: "value-shift",
      what: `${level * 100}% interval of the canary's relative shift of the mean ${observe.values.metric}: fails wholly beyond ±${analysis.valueShift}`,
      url: `${base}/value-shift?${query}&level=${level}`,
      ...valueShiftConditions(analysis.valueShift),
    });
  return checks;
}
