// Benchmarks and quality reports: printed figures, never pass/fail.
//   npm run bench
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { pino } from "pino";
import { createInferenceServer } from "@lockstep/inference";
import { bumpPin, emptyLock } from "@lockstep/lockfile";
import { co2Forecast, decodeRequest, trainCandidate } from "@lockstep/models";
import { readCard } from "@lockstep/onnx";
import { gbdtBench } from "./gbdt.js";
import { tfjsBench, tfjsCnnBench } from "./tfjs.js";
import { ortLatency } from "./ort-latency.js";
import { renderBench } from "./render.js";

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const fmt = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

async function co2Quality() {
  console.log(
    `## co2-forecast: rolling-origin backtest (${co2Forecast.defaultParams.origins} origins a year apart), default data and params\n`,
  );
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "lockstep-bench-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const candidate = await trainCandidate({ model: "co2-forecast", context: { log: () => {}, baseDir: dir } });
  const m = candidate.trained.metrics;
  console.log(
    `trained in ${((performance.now() - started) / 1000).toFixed(2)} s, artifact ${candidate.artifact.bytes} bytes`,
  );
  console.log(
    "| model | MAPE % h12 | MAPE % h24 | RMSE h12 | RMSE h24 | MASE h12 | MASE h24 |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  console.log(
    `| lockstep (LSTM on residuals) | ${m.mape_h12} | ${m.mape_h24} | ${m.rmse_h12} | ${m.rmse_h24} | ${m.mase_h12} | ${m.mase_h24} |`,
  );
  console.log(
    `| local trend + seasonality (previous) | ${m.local_trend_mape_h12} | ${m.local_trend_mape_h24} | | | | |`,
  );
  console.log(
    `| seasonal naive + 5y drift | ${m.snaive_drift_mape_h12} | ${m.snaive_drift_mape_h24} | | | | |`,
  );
  console.log(`| seasonal naive | ${m.snaive_mape_h12} | ${m.snaive_mape_h24} | | | | |`);
  console.log(
    `ratio MAPE lockstep / seasonal naive + drift: h12 ${(m.mape_h12! / m.snaive_drift_mape_h12!).toFixed(3)}, h24 ${(m.mape_h24! / m.snaive_drift_mape_h24!).toFixed(3)}; target h12 <= 0.12, h24 <= 0.16\n`,
  );
  return { dir, candidate };
}

async function latency(dir: string, candidate: Awaited<ReturnType<typeof trainCandidate>>) {
  const N = 3000;
  console.log(`## co2-forecast latency, ${N} sequential requests (horizon 12)\n`);
  const card = readCard(candidate.trained.onnx);
  const session = await ort.InferenceSession.create(candidate.trained.onnx, { intraOpNumThreads: 1 });
  const decoded = await decodeRequest(co2Forecast.serving, { horizon: 12 }, card);
  const feeds = {
    history: new ort.Tensor("float32", decoded.feeds.history!.data, decoded.feeds.history!.dims),
  };
  const direct: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await session.run(feeds);
    direct.push(performance.now() - t);
  }
  const lock = bumpPin(emptyLock(), "co2-forecast", "staging", candidate.pin, co2Forecast.gate);
  const server = createInferenceServer({
    lock,
    storeOptions: { baseDir: dir },
    logger: pino({ level: "silent" }),
  });
  const { port } = await server.listen(0, "127.0.0.1");
  if (!(await server.registry.settled())) throw new Error("the benchmark model did not load");
  const http: number[] = [];
  const body = JSON.stringify({ horizon: 12 });
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/v1/models/co2-forecast/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    await response.arrayBuffer();
    http.push(performance.now() - t);
  }
  await server.close();
  await session.release();
  direct.sort((a, b) => a - b);
  http.sort((a, b) => a - b);
  console.log("| path | p50 | p99 |\n| --- | ---: | ---: |");
  console.log(`| onnxruntime session.run | ${fmt(quantile(direct, 0.5))} | ${fmt(quantile(direct, 0.99))} |`);
  console.log(
    `| HTTP POST /v1/models/co2-forecast/predict (fetch client, same process) | ${fmt(quantile(http, 0.5))} | ${fmt(quantile(http, 0.99))} |`,
  );
  console.log(`ratio p50 HTTP / session.run: ${(quantile(http, 0.5) / quantile(direct, 0.5)).toFixed(1)}x\n`);
  const window = decoded.feeds.history!.dims[1]!;
  const history = decoded.feeds.history!.data;
  const kind = await ortLatency(candidate.trained.onnx, "history", window, (rows) => {
    const data = new Float32Array(rows * window);
    for (let r = 0; r < rows; r++) data.set(history, r * window);
    return data;
  });
  console.log(
    `onnxruntime, co2 forecaster: batch 1 ${kind.batch1Us.toFixed(0)} µs/call, batch 64 ${Math.round(kind.batch64RowsPerSecond).toLocaleString("en")} rows/s\n`,
  );
}

await renderBench();
const { dir, candidate } = await co2Quality();
await latency(dir, candidate);
await gbdtBench();
await tfjsBench();
await tfjsCnnBench();
