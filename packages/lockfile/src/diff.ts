import { applyPinGate } from "./paired-gate.js";
import type { LockFile, Pin } from "./types.js";

export interface MetricDelta {
  name: string;
  before?: number;
  after?: number;
  delta?: number;
}

export interface PinChange {
  model: string;
  environment: string;
  status: "added" | "removed" | "changed";
  before?: Pin;
  after?: Pin;
  metrics: MetricDelta[];
  /** Whether the gate metric improved by the gate's margin (undefined when removed). */
  gateImproved?: boolean;
  gateMetric: string;
}

function metricDeltas(before?: Pin, after?: Pin): MetricDelta[] {
  const names = [
    ...new Set([...Object.keys(before?.metrics ?? {}), ...Object.keys(after?.metrics ?? {})]),
  ].sort();
  return names.map((name) => {
    const b = before?.metrics[name];
    const a = after?.metrics[name];
    return { name, before: b, after: a, delta: a !== undefined && b !== undefined ? a - b : undefined };
  });
}

/** Lists every pin that differs between two locks (sorted by model, then environment). */
export function diffLock(before: LockFile, after: LockFile): PinChange[] {
  const changes: PinChange[] = [];
  const models = [...new Set([...Object.keys(before.models), ...Object.keys(after.models)])].sort();
  for (const model of models) {
    const b = before.models[model];
    const a = after.models[model];
    const gate = (a ?? b)!.gate;
    const envs = [...new Set([...Object.keys(b?.pins ?? {}), ...Object.keys(a?.pins ?? {})])].sort();
    for (const environment of envs) {
      const pinBefore = b?.pins[environment];
      const pinAfter = a?.pins[environment];
      if (pinBefore && pinAfter && JSON.stringify(pinBefore) === JSON.stringify(pinAfter)) continue;
      const status = !pinBefore ? "added" : !pinAfter ? "removed" : "changed";
      changes.push({
        model,
        environment,
        status,
        before: pinBefore,
        after: pinAfter,
        metrics: metricDeltas(pinBefore, pinAfter),
        // a new pin has nothing to improve on: no verdict
        gateImproved: pinAfter && pinBefore ? applyPinGate(gate, pinAfter, pinBefore).better : undefined,
        gateMetric: gate.metric,
      });
    }
  }
  return changes;
}
