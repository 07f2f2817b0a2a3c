import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { bumpPin, emptyLock, type LockFile } from "@lockstep/lockfile";
import { co2Forecast, trainCandidate, type Candidate } from "@lockstep/models";
import { createInferenceServer, type InferenceServer } from "../src/index.js";

/** A temp project dir with a trained co2-forecast in its file store and a lock pinning it. */
export async function trainedProject(): Promise<{ dir: string; lock: LockFile; candidate: Candidate }> {
  const dir = await mkdtemp(join(tmpdir(), "lockstep-serve-"));
  const candidate = await trainCandidate({
    model: "co2-forecast",
    params: co2Forecast.smokeParams,
    context: { log: () => {}, baseDir: dir },
  });
  const lock = bumpPin(emptyLock(), "co2-forecast", "staging", candidate.pin, co2Forecast.gate);
  return { dir, lock, candidate };
}

export async function startServer(
  lock: LockFile,
  dir: string,
): Promise<{ server: InferenceServer; url: string; waitReady: () => Promise<void> }> {
  const server = createInferenceServer({
    lock,
    environment: "staging",
    storeOptions: { baseDir: dir },
    logger: pino({ level: "silent" }),
  });
  const { port } = await server.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}`;
  const waitReady = async () => {
    await server.registry.settled();
  };
  return { server, url, waitReady };
}
