import type { Pin } from "@lockstep/lockfile";
import type { CandidateFile } from "../src/index.js";

export const currentPin: Pin = {
  version: "2",
  sha256: "a".repeat(64),
  bytes: 51234,
  uri: "s3://lockstep-models/sha256/" + "a".repeat(64),
  metrics: { rmse: 0.62, mae: 0.48, coverage_90: 0.87, mape: 0.0014 },
  evaluation: {
    protocol: "rolling-origin backtest: 5 origins x 12 months",
    dataset: "builtin:mauna-loa-monthly",
    datasetSha256: "e".repeat(64),
  },
  trainedAt: "2026-11-01T10:00:00.000Z",
  source: { commit: "1111111111111111111111111111111111111111" },
};

export const candidate: CandidateFile = {
  candidateVersion: 1,
  model: "co2-forecast",
  environment: "production",
  pin: {
    version: "3",
    sha256: "b".repeat(64),
    bytes: 52011,
    uri: "s3://lockstep-models/sha256/" + "b".repeat(64),
    metrics: { rmse: 0.55, mae: 0.5, coverage_90: 0.9, mape: 0.0012 },
    evaluation: { ...currentPin.evaluation },
    trainedAt: "2026-11-24T09:30:00.000Z",
    source: {
      commit: "2222222222222222222222222222222222222222",
      runUrl: "https://github.com/acme/models/actions/runs/42",
    },
  },
  gate: { metric: "rmse", goal: "minimize", minImprovement: 0.01 },
  params: { window: 24, hidden: 32, epochs: 60, learningRate: 0.005 },
  seed: 7,
  data: { source: "builtin:mauna-loa-monthly", sha256: "d".repeat(64), rows: 804 },
  timings: { load: 0.4, train: 41.2, export: 0.8, parity: 0.1 },
  trainer: { name: "lockstep co2-forecast", version: "0.1.0" },
};
