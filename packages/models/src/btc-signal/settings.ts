import type { ServingSettings } from "../serving-adapter.js";

/** How the server runs btc-signal; the figures behind each choice are in bench/RESULTS.md. */
export const btcSettings: ServingSettings = {
  // boosted trees: a batch of rows walks the ensemble once, so merging requests pays
  batching: { enabled: true, maxBatch: 64 },
  // the trees run one window in ~0.02 ms: a lone client skips the worker hop
  inline: true,
  // one pod serving this model alone: RSS and p99 from the soak and serving benches
  deployment: {
    requests: { cpu: "250m", memory: "256Mi" },
    limits: { cpu: "1", memory: "512Mi" },
    p99Seconds: 0.1,
  },
};
