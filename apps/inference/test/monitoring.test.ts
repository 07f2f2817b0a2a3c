import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { LockFile } from "@lockstep/lockfile";
import { readDataUri } from "@lockstep/data";
import { co2, co2Forecast } from "@lockstep/models";
import { parseRecordLine } from "@lockstep/monitor";
import { configWith, LruCache, predictionLogFrom } from "../src/index.js";
import { startServer, trainedProject } from "./fixture.js";

let dir: string;
let lock: LockFile;
beforeAll(async () => {
  ({ dir, lock } = await trainedProject());
}, 240_000);

const predictCo2 = (url: string, body: unknown) =>
  fetch(`${url}/v1/models/co2-forecast/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** The value of one series in the Prometheus text, or undefined. */
async function gauge(url: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("the prediction log and online drift", () => {
  let url: string;
  let logDir: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    logDir = join(await mkdtemp(join(tmpdir(), "lockstep-predictions-")), "log");
    const config = configWith({
      predictionLog: { kind: "jsonl", dir: logDir },
      drift: { window: 100, minCount: 20 },
    });
    const started = await startServer(lock, dir, {
      config: { predictionLog: config.predictionLog, drift: config.drift },
      predictionLog: predictionLogFrom(config.predictionLog, pino({ level: "silent" })),
      cacheBackend: new LruCache(1000),
    });
    url = started.url;
    close = () => started.server.close();
    await started.waitReady();
  });
  afterAll(() => close());

  it("records each answered prediction with the features the spec names, and the drift gauge moves with shifted inputs", async () => {
    const monthly = '{model="co2-forecast",feature="monthly_change"}';
    expect(await gauge(url, `lockstep_feature_drift${monthly}`)).toBeUndefined(); // nothing yet
    const card = (await (await fetch(`${url}/v1/models/co2-forecast`)).json()) as {
      serving: { history: number[] };
    };
    const window = card.serving.history.length;
    // windows ending in each of the training data's last 100 months (the profile's own rows)
    const series = co2.parseCo2Csv((await readDataUri(co2Forecast.defaultData)).toString("utf8"), "co2");
    const [year, month] = series.start.split("-").map(Number) as [number, number];
    const label = (index: number) => {
      const m = year * 12 + (month - 1) + index;
      return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, "0")}`;
    };
    for (let i = 0; i < 100; i++) {
      const end = series.values.length - i;
      const history = series.values.slice(end - window, end);
      expect((await predictCo2(url, { horizon: 12, history, lastMonth: label(end - 1) })).status).toBe(200);
    }
    const calm = (await gauge(url, `lockstep_feature_drift${monthly}`))!;
    expect(calm).toBeLessThan(0.5);
    // a series rising 3 ppm a month, far from the seasonal ±1 ppm the model was trained on
    for (let i = 0; i < 100; i++) {
      const history = Array.from({ length: window }, (_, k) => 300 + 3 * k + (i % 7) * 0.01);
      expect((await predictCo2(url, { horizon: 12, history, lastMonth: "2030-01" })).status).toBe(200);
    }
    const shifted = (await gauge(url, `lockstep_feature_drift${monthly}`))!;
    expect(shifted).toBeGreaterThan(calm + 1);
    expect(await gauge(url, 'lockstep_prediction_drift{model="co2-forecast"}')).toBeGreaterThan(0);

    const response = await predictCo2(url, { horizon: 3 });
    const requestId = response.headers.get("x-request-id")!;
    // the same request again: answered from the cache, its features kept with the answer
    const again = await predictCo2(url, { horizon: 3 });
    expect(((await again.json()) as { cached: boolean }).cached).toBe(true);
    // an Open Inference request of two rows: two records, features from the tensors alone
    const rows = [series.values.slice(-window), series.values.slice(-window - 1, -1)];
    const v2 = await fetch(`${url}/v2/models/co2-forecast/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        inputs: [{ name: "history", shape: [2, window], datatype: "FP32", data: rows.flat() }],
      }),
    });
    expect(v2.status).toBe(200);
    const v2Id = v2.headers.get("x-request-id")!;
    await close();
    const files = await readdir(logDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^predictions-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const records = (await readFile(join(logDir, files[0]!), "utf8")).trim().split("\n").map(parseRecordLine);
    expect(records).toHaveLength(204);
    const tensorRecords = records.slice(-2);
    expect(tensorRecords.map((r) => r.requestId)).toEqual([`${v2Id}#0`, `${v2Id}#1`]);
    for (const [i, record] of tensorRecords.entries()) {
      // no horizon (a tensor has no context) and no prediction fields (no domain answer)
      expect(Object.keys(record.features).sort()).toEqual(["last_value", "monthly_change", "yearly_change"]);
      expect(record.features.last_value).toBeCloseTo(rows[i]!.at(-1)!, 3);
      expect(record.prediction).toEqual({});
    }
    const hit = records.at(-3)!;
    expect(hit.cached).toBe(true);
    const last = records.at(-4)!;
    expect(hit.features).toEqual(last.features);
    expect(last).toMatchObject({ requestId, model: "co2-forecast", version: "1", cached: false });
    expect(Object.keys(last.features).sort()).toEqual([
      "horizon",
      "last_value",
      "monthly_change",
      "yearly_change",
    ]);
    expect(last.features.horizon).toBe(3);
    expect(last.prediction).toEqual({}); // no 12-month change for a 3-month forecast
    expect(records[0]!.prediction).toHaveProperty("forecast_change_h12");
  });
});

describe("a prediction log whose sink is down", () => {
  it("fails no request: records beyond the queue are dropped and counted", async () => {
    const config = configWith({
      predictionLog: { kind: "clickhouse", url: "http://127.0.0.1:9/lockstep", maxQueue: 5 },
    });
    const started = await startServer(lock, dir, {
      predictionLog: predictionLogFrom(config.predictionLog, pino({ level: "silent" })),
    });
    try {
      await started.waitReady();
      const statuses = await Promise.all(
        Array.from({ length: 20 }, () => predictCo2(started.url, {}).then((r) => r.status)),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      const dropped = (await gauge(started.url, "lockstep_prediction_log_dropped_total"))!;
      expect(dropped).toBeGreaterThanOrEqual(14);
      expect(await gauge(started.url, "lockstep_prediction_log_queue_depth")).toBeLessThanOrEqual(6);
    } finally {
      await started.server.close();
    }
  });
});
