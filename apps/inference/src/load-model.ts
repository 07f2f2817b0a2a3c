import type { Logger } from "pino";
import type { Pin } from "@lockstep/lockfile";
import { loadPinnedArtifact, type ServableSpec } from "@lockstep/models";
import type { OpenStoreOptions } from "@lockstep/store";
import { DEFAULT_BATCHING, type BatchingOptions } from "./batching/batcher.js";
import type { ServerConfig } from "./config.js";
import type { Metrics } from "./metrics.js";
import { InlineSession } from "./runtime/inline-session.js";
import { SessionPool } from "./runtime/session-pool.js";
import { ServedModel } from "./served-model.js";

export interface LoadModelOptions {
  /** Read here: intraOpThreads, instances, inline, batching (each over the spec's settings). */
  config: ServerConfig;
  storeOptions?: OpenStoreOptions;
  metrics: Metrics;
  logger: Logger;
}

/** How a model runs: the spec's settings with the server's configuration over them. */
export function runtimeOf(name: string, spec: ServableSpec, config: ServerConfig) {
  const { settings } = spec.serving;
  const threads = config.intraOpThreads ?? settings.threads ?? 1;
  const instances = config.instances ?? settings.instances ?? 1;
  const { pipeline = 1, ...specBatching } = settings.batching ?? {};
  const batching: BatchingOptions = {
    ...DEFAULT_BATCHING,
    concurrency: instances * pipeline,
    ...specBatching,
    ...config.batching[name],
  };
  // a batcher told to wait for company (maxWaitMs) must not be bypassed
  const inline = settings.inline === true && config.inline && batching.maxWaitMs === 0;
  return { threads, instances, batching, inline };
}

/** A pinned model made ready to serve: its artifact loaded and verified, its sessions open. */
export async function loadModel(
  name: string,
  pin: Pin,
  spec: ServableSpec,
  options: LoadModelOptions,
): Promise<ServedModel> {
  const log = options.logger.child({ model: name, version: pin.version, sha256: pin.sha256 });
  log.info({ uri: pin.uri }, "fetching artifact");
  const { bytes, card } = await loadPinnedArtifact(name, pin, options.storeOptions);
  const { threads, instances, batching, inline } = runtimeOf(name, spec, options.config);
  const session = await SessionPool.create(bytes, { threads, instances });
  let inlineSession: InlineSession | undefined;
  if (inline) {
    try {
      inlineSession = await InlineSession.create(bytes);
    } catch (error) {
      await session.release();
      throw error;
    }
  }
  const model = new ServedModel(name, pin, card, spec, session, batching, options.metrics, inlineSession);
  log.info({ threads, instances, inline, batching: model.batcher.options }, "model ready");
  return model;
}
