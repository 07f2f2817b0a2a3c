// The prediction log's own work per request, in this process: what predict.ts adds to a request
// when the log is on (the spec's monitor fields, the drift window, encoding the record) plus the
// JSON Lines sink writing the batches, as process CPU per request over many requests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { pino } from "pino";
import type { LockFile } from "@lockstep/lockfile";
import { batchPredict, getModel, loadPinnedArtifact } from "@lockstep/models";
import { createMetrics } from "../../../apps/inference/src/metrics.js";
import type { LoadedModel } from "../../../apps/inference/src/model-registry.js";
import { Monitoring, predictionLogFrom } from "../../../apps/inference/src/monitoring.js";

export interface LogPathCost {
  /** Process CPU per request with the log off (the monitor fields alone are not computed). */
  offUs: number;
  /** Process CPU per request with JSON Lines, including the writes. */
  jsonlUs: number;
  requests: number;
}

/** co2-forecast's {"horizon": 12} request, `requests` times, through the server's Monitoring. */
export async function logPathCost(lock: LockFile, baseDir: string, requests = 200_000): Promise<LogPathCost> {
  const spec = getModel("co2-forecast");
  const pin = lock.models["co2-forecast"]!.pins.staging!;
  const { bytes, card } = await loadPinnedArtifact("co2-forecast", pin, { baseDir });
  const request = { horizon: 12 };
  const { answer } = (await batchPredict(spec.serving, card, bytes, [{ id: "r", request }])).predictions[0]!;
  const decoded = await spec.serving.decode(request, card as never);
  const model = { name: "co2-forecast", spec, card, pin } as unknown as LoadedModel;
  const dir = await mkdtemp(join(tmpdir(), "lockstep-log-path-"));
  const drift = { window: 1000, minCount: 100 };
  const run = async (on: boolean) => {
    const log = on
      ? predictionLogFrom(
          { kind: "jsonl", dir, maxQueue: 10_000, sampleRate: 1 } as never,
          pino({ level: "silent" }),
        )
      : undefined;
    const monitoring = new Monitoring(createMetrics(), () => [model], drift, log);
    const before = process.cpuUsage();
    for (let i = 0; i < requests; i++) {
      // predict.ts: the features while the buffers are held, then the record once answered
      const features = on ? monitoring.features(model, decoded) : undefined;
      if (on) monitoring.record(model, `req-${i}`, features, answer, 0.2, false);
      // let the log's timer write, as the event loop does between requests
      if (i % 500 === 499) await setImmediate();
    }
    await monitoring.close();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / requests;
  };
  await run(true); // warm-up: JIT and the file
  const offUs = await run(false);
  const jsonlUs = await run(true);
  await rm(dir, { recursive: true, force: true });
  return { offUs, jsonlUs, requests };
}
