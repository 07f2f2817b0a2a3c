import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrometheus, type RunningPrometheus } from "../../../test/canary/prometheus.js";
import { MonitorError, servedTraffic, servedTrafficQueries } from "../src/index.js";

/*
 * The promotion's request and error counts from a real Prometheus scraping three "pods" as the
 * PodMonitor does: staging's co2-forecast pod of the promoted sha256, staging's pod of the previous
 * pin (all of its answers 5xx), and production's pod of the same sha256. Only the first may count.
 */

const SHA = "a".repeat(64);
const OLD = "b".repeat(64);
let prometheus: RunningPrometheus;
const servers: Server[] = [];

/** A /metrics endpoint whose counters grow on every scrape: `ok` 200s and `failed` 500s each time. */
async function pod(sha256: string, ok: number, failed: number): Promise<string> {
  let scrapes = 0;
  const server = createServer((_req, res) => {
    scrapes += 1;
    const route = 'route="/v1/models/:model/predict",method="POST"';
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end(
      [
        `lockstep_http_requests_total{${route},status="200"} ${scrapes * ok}`,
        `lockstep_http_requests_total{${route},status="500"} ${scrapes * failed}`,
        `lockstep_http_requests_total{route="/metrics",method="GET",status="200"} ${scrapes}`,
        `lockstep_model_info{model="co2-forecast",version="1",sha256="${sha256}"} 1`,
        "",
      ].join("\n"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  const podMonitor = { spec: { podMetricsEndpoints: [{ path: "/metrics" }] } };
  prometheus = await startPrometheus(
    [
      { address: await pod(SHA, 10, 1), namespace: "lockstep-staging", pod: "co2-new", labels: {} },
      { address: await pod(OLD, 0, 50), namespace: "lockstep-staging", pod: "co2-old", labels: {} },
      { address: await pod(SHA, 0, 70), namespace: "lockstep-production", pod: "co2-prod", labels: {} },
    ],
    podMonitor,
  );
});
afterAll(async () => {
  await prometheus?.stop();
  for (const server of servers) server.close();
});

describe("servedTraffic", () => {
  it("counts the requests and 5xx of the namespace's pods of that sha256 alone", async () => {
    const query = { prometheus: prometheus.url, namespace: "lockstep-staging", model: "co2-forecast", sha256: SHA, seconds: 3 * 86_400 }; // prettier-ignore
    let counted = await servedTraffic(query);
    // until Prometheus has two scrapes of the pod there is nothing to increase over
    while (counted.requests === 0) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      counted = await servedTraffic(query);
    }
    expect(counted.requests).toBeGreaterThan(0);
    // 1 in 11 of the new pod's answers; the old pin's and production's all-5xx pods would raise it
    expect(counted.errorRatio).toBeCloseTo(1 / 11, 3);
    expect(counted.query).toContain('sha256="' + SHA + '"');
  });

  it("answers zero for an artifact no pod served, and refuses labels that are not names", async () => {
    const none = await servedTraffic({ prometheus: prometheus.url, namespace: "lockstep-staging", model: "co2-forecast", sha256: "c".repeat(64), seconds: 600 }); // prettier-ignore
    expect(none).toMatchObject({ requests: 0, errors: 0 });
    expect(none.errorRatio).toBeUndefined();
    expect(() =>
      servedTrafficQueries({ namespace: 'x"}or vector(1)', model: "co2-forecast", sha256: SHA, seconds: 60 }),
    ).toThrow(MonitorError);
  });

  it("says which Prometheus failed and why", async () => {
    const down = servedTraffic({ prometheus: "http://127.0.0.1:1", namespace: "s", model: "m", sha256: SHA, seconds: 60 }); // prettier-ignore
    await expect(down).rejects.toMatchObject({ code: "PROMETHEUS_FAILED" });
    await expect(down).rejects.toThrow(/^Prometheus at http:\/\/127\.0\.0\.1:1: /);
  });
});
