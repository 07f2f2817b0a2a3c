import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** The server's Prometheus metrics, in their own registry (several servers can share a process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "lockstep_" });
  const valueHistograms = new Map<string, Histogram<"model">>();
  return {
    registry,
    /** A histogram of predicted values that a model spec declares (e.g. forecast_value_ppm). */
    valueHistogram(metric: string, help: string, buckets: number[]): Histogram<"model"> {
      let histogram = valueHistograms.get(metric);
      if (!histogram) {
        histogram = new Histogram({
          name: `lockstep_${metric}`,
          help,
          labelNames: ["model"] as const,
          buckets,
          registers: [registry],
        });
        valueHistograms.set(metric, histogram);
      }
      return histogram;
    },
    batchSize: new Histogram({
      name: "lockstep_inference_batch_size",
      help: "Rows per onnxruntime run (requests merged by the micro-batcher)",
      labelNames: ["model"] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    inFlightBytes: new Gauge({
      name: "lockstep_in_flight_bytes",
      help: "Bytes requests in flight hold against the memory budget (bodies as read, expected answers)",
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "lockstep_inference_queue_depth",
      help: "Requests waiting for an onnxruntime run",
      labelNames: ["model"] as const,
      registers: [registry],
    }),
    rejected: new Counter({
      name: "lockstep_requests_rejected_total",
      help: "Requests refused to protect the server (overloaded, receiving, client_limit, queue_full, timeout, body_timeout, memory_budget, memory_busy)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: "lockstep_cache_requests_total",
      help: "Response cache lookups by result (hit, miss)",
      labelNames: ["model", "result"] as const,
      registers: [registry],
    }),
    cacheErrors: new Counter({
      name: "lockstep_cache_errors_total",
      help: "Response cache backend errors (the server keeps serving without the cache)",
      labelNames: ["backend", "operation"] as const,
      registers: [registry],
    }),
    cacheSkipped: new Counter({
      name: "lockstep_cache_skipped_total",
      help: "Answers served but not cached, by reason (too_large: over the largest cached answer)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    predictions: new Counter({
      name: "lockstep_predictions_total",
      help: "Predicted classes served, by model and class",
      labelNames: ["model", "class"] as const,
      registers: [registry],
    }),
    modelReloads: new Counter({
      name: "lockstep_model_reloads_total",
      help: "Hot-swap outcomes per model (swapped, loaded, unchanged, failed, removed)",
      labelNames: ["model", "result"] as const,
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: "lockstep_http_requests_total",
      help: "HTTP requests by route, method and status",
      labelNames: ["route", "method", "status"] as const,
      registers: [registry],
    }),
    httpInFlight: new Gauge({
      name: "lockstep_http_requests_in_flight",
      help: "HTTP requests being served right now (the HPA's per-pod load metric)",
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "lockstep_http_request_duration_seconds",
      help: "HTTP request latency",
      labelNames: ["route", "method", "status"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    inferenceDuration: new Histogram({
      name: "lockstep_inference_duration_seconds",
      help: "onnxruntime session.run latency per model",
      labelNames: ["model"] as const,
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    }),
    modelInfo: new Gauge({
      name: "lockstep_model_info",
      help: "The artifact each model serves (1 = loaded and ready)",
      labelNames: ["model", "version", "sha256"] as const,
      registers: [registry],
    }),
    modelLoadFailures: new Counter({
      name: "lockstep_model_load_failures_total",
      help: "Failed model loads (missing artifact, integrity error, invalid ONNX)",
      labelNames: ["model", "reason"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
