// The replay sample's own work per request, in this process, beside the prediction log's on the
// same machinery: process CPU per request over many requests, JSON Lines sinks writing as they go.
//   npm run bench:replay-sample
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import {
  isoNow,
  JsonLinesReplaySink,
  JsonLinesSink,
  PredictionLog,
  ReplaySample,
  type PredictionRecord,
} from "@lockstep/monitor";

const REQUESTS = 200_000;
const SHA = "a".repeat(64);

async function cpuPerRequest(requests: number, each: (i: number) => void, close: () => Promise<void>) {
  const before = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    each(i);
    // let the timers write, as the event loop does between requests
    if (i % 500 === 499) await setImmediate();
  }
  await close();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

const dir = await mkdtemp(join(tmpdir(), "lockstep-replay-bench-"));
const sample = (rate: number, images = false, maxBodyBytes = 1 << 20) =>
  new ReplaySample({
    sink: new JsonLinesReplaySink(join(dir, `replay-${Math.random()}`), 14),
    sampleRate: rate,
    maxPerDay: 10_000_000,
    maxBodyBytes,
    images,
    maxQueue: 10_000,
    maxQueueBytes: 16 * 1024 * 1024,
  });
const offer = (s: ReplaySample, kind: "json" | "image", bytes: Uint8Array) => (i: number) =>
  s.offer({
    model: "co2-forecast",
    version: "3",
    sha256: SHA,
    route: "/v1/models/co2-forecast/predict",
    requestId: `r-${i}`,
    kind,
    bytes,
  });

const small = Buffer.from('{"horizon": 12}');
const history = Buffer.from(
  JSON.stringify({ horizon: 12, history: Array.from({ length: 1500 }, (_, i) => 315 + i * 0.0731) }),
);
const image = Buffer.alloc(100 * 1024, 7);
const record = (i: number): PredictionRecord => ({
  time: isoNow(),
  requestId: `r-${i}`,
  model: "co2-forecast",
  version: "3",
  sha256: SHA,
  features: { horizon: 12, last_value: 421.37, monthly_change: 0.42, yearly_change: 2.51 },
  prediction: { forecast_change_h12: 2.43 },
  latencyMs: 0.2,
  cached: false,
});

const rows: [string, number, number][] = [];
const measure = async (name: string, requests: number, run: () => Promise<number>) => {
  await run(); // warm-up
  rows.push([name, requests, await run()]);
};
await measure("prediction log (JSON Lines), every request", REQUESTS, () => {
  const log = new PredictionLog({ sink: new JsonLinesSink(join(dir, "log")) });
  return cpuPerRequest(
    REQUESTS,
    (i) => log.record(record(i)),
    () => log.close(),
  );
});
for (const [name, rate, bytes, requests] of [
  ['replay sample, rate 0.05 (default), {"horizon": 12}', 0.05, small, REQUESTS],
  ['replay sample, rate 1, {"horizon": 12}', 1, small, REQUESTS],
  [`replay sample, rate 1, a ${(history.length / 1024).toFixed(0)} KiB history body`, 1, history, 50_000],
] as const) {
  await measure(name, requests, () => {
    const s = sample(rate);
    return cpuPerRequest(requests, offer(s, "json", bytes), () => s.close());
  });
}
await measure("replay sample, rate 1, a 100 KiB image (images on)", 20_000, () => {
  const s = sample(1, true);
  return cpuPerRequest(20_000, offer(s, "image", image), () => s.close());
});
await measure("replay sample, rate 1, a 100 KiB image (images off: skipped)", REQUESTS, () => {
  const s = sample(1, false);
  return cpuPerRequest(REQUESTS, offer(s, "image", image), () => s.close());
});
await rm(dir, { recursive: true, force: true });
console.log(
  [
    "# The replay sample's own work per request, in process, beside the prediction log's (JSON Lines sinks writing)",
    "",
    "| path | requests | µs/req |",
    "| --- | ---: | ---: |",
    ...rows.map(([name, n, us]) => `| ${name} | ${n.toLocaleString("en")} | ${us.toFixed(2)} |`),
  ].join("\n"),
);
