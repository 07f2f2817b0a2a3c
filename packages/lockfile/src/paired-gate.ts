import { applyGate, type GateVerdict } from "./gate.js";
import type { Evaluation, Gate } from "./types.js";

/** What a gate reads of a pin or a candidate: its metrics and how they were measured. */
export interface Scored {
  metrics: Record<string, number>;
  evaluation?: Partial<Evaluation>;
}

/** The per-fold evidence of a paired gate. */
export interface PairedEvidence {
  /** Candidate minus pin on each fold, signed so that a positive gain is better. */
  gains: number[];
  mean: number;
  /** Standard error of the mean gain (sample standard deviation / sqrt(folds)). */
  standardError: number;
  /** The standard errors the mean gain had to clear. */
  minStandardErrors: number;
}

export interface PairedVerdict extends GateVerdict {
  paired?: PairedEvidence;
  /** Why the comparison could not be paired, when the gate asks for it. */
  unpaired?: string;
}

/** Why two evaluations are not on the same folds, or undefined when they are. */
export function unpairedReason(metric: string, candidate: Scored, current: Scored): string | undefined {
  const a = candidate.evaluation;
  const b = current.evaluation;
  const x = a?.folds?.[metric];
  const y = b?.folds?.[metric];
  if (!y) return `the pin records no per-fold ${metric}`;
  if (!x) return `the candidate reports no per-fold ${metric}`;
  if (a?.datasetSha256 !== b?.datasetSha256) return "the candidate was evaluated on other data";
  if (a?.protocol !== b?.protocol) return "the candidate was evaluated by another protocol";
  if (x.length !== y.length) return `${x.length} folds against the pin's ${y.length}`;
  if (x.length < 2) return "one fold has no spread";
  return undefined;
}

/** The paired gains of `candidate` over `current` (same length, checked by unpairedReason). */
export function pairedEvidence(gate: Gate, candidate: number[], current: number[]): PairedEvidence {
  const sign = gate.goal === "minimize" ? -1 : 1;
  const gains = candidate.map((value, i) => sign * (value - current[i]!));
  const n = gains.length;
  const mean = gains.reduce((s, g) => s + g, 0) / n;
  const variance = gains.reduce((s, g) => s + (g - mean) ** 2, 0) / (n - 1);
  return {
    gains,
    mean,
    standardError: Math.sqrt(variance / n),
    minStandardErrors: gate.minStandardErrors ?? 0,
  };
}

/**
 * A model's gate over two pins (or a candidate and a pin). Without `minStandardErrors`, or when
 * the two were not evaluated on the same folds, it is the metric comparison of applyGate (the
 * verdict says why it could not be paired). With it, the candidate must also beat the pin on the
 * folds: the mean per-fold gain above minImprovement and above minStandardErrors standard errors
 * of that mean, so a gain inside the folds' own spread (a lucky seed) is not an improvement.
 */
export function applyPinGate(gate: Gate, candidate: Scored, current?: Scored): PairedVerdict {
  const verdict = applyGate(gate, candidate.metrics, current?.metrics);
  if (gate.minStandardErrors === undefined || !current || verdict.current === undefined) return verdict;
  const unpaired = unpairedReason(gate.metric, candidate, current);
  if (unpaired) return { ...verdict, unpaired, reason: `${verdict.reason} (not paired: ${unpaired})` };
  const paired = pairedEvidence(
    gate,
    candidate.evaluation!.folds![gate.metric]!,
    current.evaluation!.folds![gate.metric]!,
  );
  const { mean, standardError, minStandardErrors } = paired;
  const clears = mean > gate.minImprovement && mean > minStandardErrors * standardError;
  const n = paired.gains.length;
  const spread = `mean gain ${fmt(mean)} over ${n} paired folds, standard error ${fmt(standardError)}`;
  const reason = clears
    ? `${verdict.reason}; ${spread}: beyond ${minStandardErrors} standard errors`
    : `${gate.metric} ${fmt(verdict.current!)} -> ${fmt(verdict.candidate)}: ${spread}, not beyond ${minStandardErrors} standard errors${mean > gate.minImprovement ? "" : ` nor above ${fmt(gate.minImprovement)}`}: within the folds' own spread`;
  return { ...verdict, better: verdict.better && clears, paired, reason };
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}
