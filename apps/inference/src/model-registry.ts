import * as ort from "onnxruntime-node";
import type { Logger } from "pino";
import type { LockFile, Pin } from "@lockstep/lockfile";
import { getModel, type ModelSpec } from "@lockstep/models";
import { readCard, type ModelCard } from "@lockstep/onnx";
import { fetchArtifact, type OpenStoreOptions } from "@lockstep/store";
import type { Metrics } from "./metrics.js";

export interface LoadedModel {
  name: string;
  pin: Pin;
  card: ModelCard;
  spec: ModelSpec;
  session: ort.InferenceSession;
}

export type ModelState = "loading" | "ready" | "failed";

export interface ModelStatus {
  name: string;
  state: ModelState;
  version: string;
  sha256: string;
  error?: { code: string; message: string };
}

export interface RegistryOptions {
  lock: LockFile;
  environment: string;
  /** How artifacts are fetched (relative file:// URIs resolve against storeOptions.baseDir). */
  storeOptions?: OpenStoreOptions;
  logger: Logger;
  metrics: Metrics;
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

/**
 * The models pinned for one environment. Each is fetched, verified against its pin (sha256, size,
 * card name) and loaded into onnxruntime; a model that fails stays unready and says why.
 */
export class ModelRegistry {
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly status = new Map<string, ModelStatus>();

  constructor(private readonly options: RegistryOptions) {
    for (const [name, model] of Object.entries(options.lock.models)) {
      const pin = model.pins[options.environment];
      if (pin) this.status.set(name, { name, state: "loading", version: pin.version, sha256: pin.sha256 });
    }
  }

  names(): string[] {
    return [...this.status.keys()];
  }

  private loading: Promise<void> | undefined;

  /** Loads every pinned model (once); failures are recorded, never thrown. */
  loadAll(): Promise<void> {
    this.loading ??= Promise.all(this.names().map((name) => this.load(name))).then(() => undefined);
    return this.loading;
  }

  /** Resolves when every model has loaded or failed: true when all are ready. */
  async settled(): Promise<boolean> {
    await this.loadAll();
    return this.ready();
  }

  private async load(name: string): Promise<void> {
    const pin = this.options.lock.models[name]!.pins[this.options.environment]!;
    const log = this.options.logger.child({ model: name, version: pin.version, sha256: pin.sha256 });
    try {
      const spec = getModel(name);
      log.info({ uri: pin.uri }, "fetching artifact");
      const bytes = await fetchArtifact(pin.uri, pin.sha256, this.options.storeOptions);
      if (bytes.length !== pin.bytes) {
        throw Object.assign(new Error(`artifact has ${bytes.length} bytes, the pin says ${pin.bytes}`), {
          code: "SIZE_MISMATCH",
        });
      }
      const card = readCard(bytes);
      if (card.name !== name) {
        throw Object.assign(new Error(`artifact's card names model "${card.name}", not "${name}"`), {
          code: "CARD_MISMATCH",
        });
      }
      const session = await ort.InferenceSession.create(
        bytes,
        this.options.sessionOptions ?? { intraOpNumThreads: 1 },
      );
      this.loaded.set(name, { name, pin, card, spec, session });
      this.status.set(name, { name, state: "ready", version: pin.version, sha256: pin.sha256 });
      this.options.metrics.modelInfo.set({ model: name, version: pin.version, sha256: pin.sha256 }, 1);
      log.info("model ready");
    } catch (error) {
      const code = (error as { code?: string }).code ?? "LOAD_FAILED";
      const message = (error as Error).message;
      this.status.set(name, {
        name,
        state: "failed",
        version: pin.version,
        sha256: pin.sha256,
        error: { code, message },
      });
      this.options.metrics.modelLoadFailures.inc({ model: name, reason: code });
      log.error({ code, err: message }, "model failed to load; the server stays unready");
    }
  }

  get(name: string): LoadedModel | undefined {
    return this.loaded.get(name);
  }

  statusOf(name: string): ModelStatus | undefined {
    return this.status.get(name);
  }

  statuses(): ModelStatus[] {
    return [...this.status.values()];
  }

  /** Ready when at least one model is pinned and every pinned model is loaded. */
  ready(): boolean {
    return this.status.size > 0 && this.statuses().every((s) => s.state === "ready");
  }

  async close(): Promise<void> {
    await Promise.all([...this.loaded.values()].map((m) => m.session.release()));
    this.loaded.clear();
  }
}
