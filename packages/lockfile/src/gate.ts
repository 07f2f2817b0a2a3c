import type { Gate } from "./types.js";

export interface GateVerdict {
  /** True when the candidate should replace the current pin. */
  better: boolean;
  metric: string;
  current?: number;
  candidate: number;
  /** candidate - current (undefined when there is no current pin). */
  delta?: number;
  reason: string;
}

/** Applies a model's gate: the candidate wins when there is no pin, or when it beats it by minImprovement. */
export function applyGate(
  gate: Gate,
  candidate: Record<string, number>,
  current?: Record<string, number>,
): GateVerdict {
  const value = candidate[gate.metric];
  if (value === undefined || !Number.isFinite(value)) {
    return {
      better: false,
      metric: gate.metric,
      candidate: Number.NaN,
      reason: `the candidate does not report the gate metric "${gate.metric}"`,
    };
  }
  const previous = current?.[gate.metric];
  if (previous === undefined) {
    return {
      better: true,
      metric: gate.metric,
      candidate: value,
      reason: "no current pin: the first candidate wins",
    };
  }
  const delta = value - previous;
  const gain = gate.goal === "minimize" ? -delta : delta;
  const better = gain > gate.minImprovement;
  const sense = gate.goal === "minimize" ? "lower" : "higher";
  const reason = better
    ? `${gate.metric} ${fmt(previous)} -> ${fmt(value)}: ${sense} by ${fmt(gain)} (> ${fmt(gate.minImprovement)} required)`
    : `${gate.metric} ${fmt(previous)} -> ${fmt(value)}: not ${sense} by more than ${fmt(gate.minImprovement)}`;
  return { better, metric: gate.metric, current: previous, candidate: value, delta, reason };
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}
