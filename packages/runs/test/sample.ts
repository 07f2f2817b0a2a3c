import type { RunInput } from "../src/index.js";

const hex = (n: number) => n.toString(16).padStart(64, "0");

/** A run as training would record it, with a metric to tell runs apart. */
export function sampleRun(model: string, n: number, overrides: Partial<RunInput> = {}): RunInput {
  return {
    model,
    kind: "train",
    environment: "staging",
    params: { asked: { epochs: 2 + (n % 3), seed: 7 }, chosen: { units: 8 }, seed: 7 },
    metrics: { mape_h12: Number((0.1 + n / 1000).toFixed(6)), coverage: 0.9 },
    timings: { fit: 1.5, train: 2, total: 2.5 },
    data: { uri: "file://data/co2.csv", sha256: hex(1), rows: 700 },
    source: {
      commit: "a".repeat(40),
      runUrl: "https://github.com/o/r/actions/runs/1",
      runner: "GitHub Actions 2",
    },
    artifact: { sha256: hex(1000 + n), bytes: 1234, uri: `file://store/sha256/${hex(1000 + n)}` },
    trainer: { name: "lstm", version: "4" },
    gate: { metric: "mape_h12", goal: "minimize", better: n % 2 === 0, reason: "test", candidate: 0.1 },
    report: `# ${model} run ${n}\n`,
    ...overrides,
  };
}
