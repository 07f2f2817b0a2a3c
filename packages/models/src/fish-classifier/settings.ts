import type { ServingSettings } from "../serving-adapter.js";

/** How the server runs fish-classifier; the figures behind each choice are in bench/RESULTS.md. */
export const fishSettings: ServingSettings = {
  accepts: ["image", "multipart"],
  // a compute-bound CNN: two threads inside each run, merged runs of up to 8 images; one copy, as
  // two single-threaded copies were no faster on 2 cores, where decoding needs the same cores
  threads: 2,
  batching: { enabled: true, maxBatch: 8 },
  // one pod serving this model alone: RSS and p99 from the soak and serving benches
  deployment: {
    requests: { cpu: "1", memory: "512Mi" },
    limits: { cpu: "2", memory: "1Gi" },
    p99Seconds: 0.5,
  },
};
