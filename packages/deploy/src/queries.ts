import type { ModelSpec } from "@lockstep/models";
import type { CanaryAnalysis } from "./config.js";

/** The Prometheus label the PodMonitor copies from the pods' rollouts-pod-template-hash label. */
export const HASH_LABEL = "rollouts_pod_template_hash";

/** Argo Rollouts substitutes these when the analysis runs. */
export const ARGS = {
  canary: "{{args.canary-hash}}",
  stable: "{{args.stable-hash}}",
  namespace: "{{args.namespace}}",
} as const;

export interface CanaryQuery {
  /** The AnalysisTemplate metric name. */
  name: string;
  query: string;
  /** The measurement passes when the value is at most this. */
  max: number;
  what: string;
}

const selector = (hash: string, extra = "") =>
  `namespace="${ARGS.namespace}",${HASH_LABEL}="${hash}"${extra}`;
const MODEL_ROUTES = `,route=~"/v[12]/models/.*"`;

/**
 * The queries a canary is judged by. Each returns no sample while the canary has served fewer than
 * `minRequests` requests in the window, so thin traffic is inconclusive, never a pass.
 */
export function canaryQueries(spec: ModelSpec, analysis: CanaryAnalysis): CanaryQuery[] {
  const w = analysis.window;
  const requests = (hash: string) =>
    `sum(increase(lockstep_http_requests_total{${selector(hash, MODEL_ROUTES)}}[${w}]))`;
  const enough = (hash: string) => `on() (${requests(hash)} >= ${analysis.minRequests})`;
  const queries: CanaryQuery[] = [
    {
      name: "error-ratio",
      what: "share of the canary's model requests answered 5xx",
      max: analysis.errorRatio,
      query:
        `(sum(rate(lockstep_http_requests_total{${selector(ARGS.canary, `${MODEL_ROUTES},status=~"5.."`)}}[${w}])) or vector(0))` +
        ` / sum(rate(lockstep_http_requests_total{${selector(ARGS.canary, MODEL_ROUTES)}}[${w}]))` +
        ` and ${enough(ARGS.canary)}`,
    },
    {
      name: "p99-latency",
      what: "the canary's p99 latency in seconds",
      max: analysis.p99Seconds,
      query:
        `histogram_quantile(0.99, sum by (le) (rate(lockstep_http_request_duration_seconds_bucket{${selector(ARGS.canary, MODEL_ROUTES)}}[${w}])))` +
        ` and ${enough(ARGS.canary)}`,
    },
  ];
  const observe = spec.serving.observe;
  const model = `,model="${spec.name}"`;
  if (observe?.classes) {
    const share = (hash: string) =>
      `(sum by (class) (rate(lockstep_predictions_total{${selector(hash, model)}}[${w}])) / scalar(sum(rate(lockstep_predictions_total{${selector(hash, model)}}[${w}]))))`;
    const c = share(ARGS.canary);
    const s = share(ARGS.stable);
    // a class only one side predicts counts in full: (c - s) or c or -s
    queries.push({
      name: "class-share-shift",
      what: "total-variation distance between canary and stable class shares",
      max: analysis.classShareShift,
      query: `sum(abs((${c} - ${s}) or ${c} or -${s})) / 2 and ${enough(ARGS.canary)} and ${enough(ARGS.stable)}`,
    });
  }
  if (observe?.values) {
    const metric = `lockstep_${observe.values.metric}`;
    const mean = (hash: string) =>
      `(sum(rate(${metric}_sum{${selector(hash, model)}}[${w}])) / sum(rate(${metric}_count{${selector(hash, model)}}[${w}])))`;
    queries.push({
      name: "value-shift",
      what: `relative shift of the canary's mean ${observe.values.metric} from the stable's`,
      max: analysis.valueShift,
      query: `abs(${mean(ARGS.canary)} - ${mean(ARGS.stable)}) / abs(${mean(ARGS.stable)}) and ${enough(ARGS.canary)} and ${enough(ARGS.stable)}`,
    });
  }
  return queries;
}
