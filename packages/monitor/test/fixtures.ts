import type { PredictionRecord } from "../src/index.js";

/** A valid record, with some fields replaced. */
export const record = (over: Partial<PredictionRecord> = {}): PredictionRecord => ({
  time: "2026-12-05T10:00:00.123Z",
  requestId: "req-1",
  model: "co2-forecast",
  version: "2",
  sha256: "a".repeat(64),
  features: { horizon: 12, monthly_change: 0.2 },
  prediction: { forecast_change_h12: 2.4 },
  latencyMs: 0.8,
  cached: false,
  ...over,
});

/** n draws of a normal distribution with this mean (Box-Muller over a seeded Lehmer generator). */
export const normal = (n: number, mean: number, seed = 1) => {
  let s = seed;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return Array.from(
    { length: n },
    () => mean + Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand()),
  );
};
