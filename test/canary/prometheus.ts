// A real Prometheus (Debian's) on loopback for a test: scrapes the given targets every second with
// the relabelling the rendered PodMonitor asks the Prometheus Operator for, and answers queries.
/* eslint-disable @typescript-eslint/no-explicit-any -- the PodMonitor and the API's JSON are read untyped */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../../packages/monitor/testing/clickhouse-server.js";

/** A scrape target as the Kubernetes service discovery would see a pod. */
export interface PodTarget {
  address: string;
  namespace: string;
  pod: string;
  labels: Record<string, string>;
}

/** Kubernetes label names as Prometheus meta labels (`app.kubernetes.io/x` → `app_kubernetes_io_x`). */
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * The relabel rules the Prometheus Operator generates for a PodMonitor endpoint, reduced to what the
 * analysis reads: namespace and pod, and each of `podTargetLabels` copied from the pod's labels
 * (prometheus-operator pkg/prometheus/promcfg.go, generatePodMonitorConfig).
 */
export function podMonitorRelabelling(podMonitor: any): Record<string, unknown>[] {
  return [
    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
    ...(podMonitor.spec.podTargetLabels ?? []).map((label: string) => ({
      source_labels: [`__meta_kubernetes_pod_label_${sanitize(label)}`],
      regex: "(.+)",
      target_label: sanitize(label),
      replacement: "${1}",
    })),
  ];
}

export interface RunningPrometheus {
  url: string;
  query(promql: string): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: PodTarget[], podMonitor: any): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "lockstep-prometheus-"));
  const port = await freePort();
  const config = {
    global: { scrape_interval: "1s", scrape_timeout: "900ms" },
    scrape_configs: [
      {
        job_name: "podmonitor",
        metrics_path: podMonitor.spec.podMetricsEndpoints[0].path,
        static_configs: targets.map((t) => ({
          targets: [t.address],
          labels: {
            __meta_kubernetes_namespace: t.namespace,
            __meta_kubernetes_pod_name: t.pod,
            ...Object.fromEntries(
              Object.entries(t.labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${sanitize(k)}`, v]),
            ),
          },
        })),
        relabel_configs: podMonitorRelabelling(podMonitor),
      },
    ],
  };
  await writeFile(join(dir, "prometheus.yml"), stringify(config));
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready in 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: promql }),
      });
      return { status: response.status, body: await response.json() };
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
