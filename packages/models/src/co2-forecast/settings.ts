import type { ServingSettings } from "../serving-adapter.js";

/** How the server runs co2-forecast; the figures behind each choice are in bench/RESULTS.md. */
export const co2Settings: ServingSettings = {
  // an LSTM: three batches of 16 in flight beat one of 50 at 50 connections (bench:serving)
  batching: { enabled: true, maxBatch: 16, pipeline: 3 },
  // one window runs in ~0.08 ms: a lone client skips the worker hop
  inline: true,
  // one pod serving this model alone: RSS and p99 from the soak and serving benches
  deployment: {
    requests: { cpu: "250m", memory: "256Mi" },
    limits: { cpu: "1", memory: "512Mi" },
    p99Seconds: 0.1,
  },
};
