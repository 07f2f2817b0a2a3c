import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** The server's Prometheus metrics, in their own registry (several servers can share a process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "lockstep_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "lockstep_http_requests_total",
      help: "HTTP requests by route, method and status",
      labelNames: ["route", "method", "status"] as const,
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
