import type { LockFile, Pin } from "@lockstep/lockfile";
import { ModelError, models, type ServableSpec } from "@lockstep/models";
import { loadModel, type LoadModelOptions } from "./load-model.js";
import type { ServedModel } from "./served-model.js";

export type { ServedModel as LoadedModel } from "./served-model.js";

export type ModelState = "loading" | "ready" | "failed";

export interface ModelStatus {
  name: string;
  state: ModelState;
  version: string;
  sha256: string;
  error?: { code: string; message: string };
  /** The last hot swap that did not happen: the old artifact kept serving. */
  reloadFailure?: { version: string; sha256: string; code: string; message: string };
}

export interface RegistryOptions extends LoadModelOptions {
  /** The pins of config.environment are served (relative file:// URIs resolve against storeOptions.baseDir). */
  lock: LockFile;
  /** Pinned models whose artifacts are still being built: loading until a reload brings them. */
  pending?: string[];
  /** The models this server can serve, by name (default: Lockstep's registry). */
  specs?: Readonly<Record<string, ServableSpec>>;
}

export interface ReloadOutcome {
  model: string;
  result: "swapped" | "loaded" | "unchanged" | "failed" | "removed" | "pending";
  version?: string;
  sha256?: string;
  error?: string;
}

const failure = (error: unknown) => ({
  code: (error as { code?: string }).code ?? "LOAD_FAILED",
  message: (error as Error).message,
});

/**
 * The models pinned for one environment and their states. Each is loaded by loadModel (verified
 * against its pin); a model that fails stays unready and says why. `reload`
 * swaps in changed pins beside the serving ones: a new artifact that fails keeps the old serving.
 */
export class ModelRegistry {
  private readonly loaded = new Map<string, ServedModel>();
  private readonly status = new Map<string, ModelStatus>();
  private pins: Map<string, Pin>;
  private loading: Promise<void> | undefined;
  private reloading: Promise<unknown> = Promise.resolve();
  /** Pinned models whose artifacts are still being built: no reload tries them until built. */
  private readonly pending: Set<string>;

  /** The lock served now: every environment's pins, for what a model's runs page marks as pinned. */
  private lock: LockFile;

  constructor(private readonly options: RegistryOptions) {
    this.pending = new Set(options.pending);
    this.lock = options.lock;
    this.pins = this.pinsOf(options.lock);
    for (const [name, pin] of this.pins) {
      this.status.set(name, { name, state: "loading", version: pin.version, sha256: pin.sha256 });
    }
  }

  private pinsOf(lock: LockFile): Map<string, Pin> {
    const pins = new Map<string, Pin>();
    for (const [name, model] of Object.entries(lock.models)) {
      const pin = model.pins[this.options.config.environment];
      if (pin) pins.set(name, pin);
    }
    return pins;
  }

  /** The spec of a pinned model; a pin of a model this server has no spec for fails its load. */
  spec(name: string): ServableSpec {
    const specs = this.options.specs ?? models;
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec)
      throw new ModelError(
        "MODEL_UNKNOWN",
        `unknown model "${name}" (known: ${Object.keys(specs).join(", ")})`,
      );
    return spec;
  }

  /** The specs of the pinned models this server knows. */
  servable(): ServableSpec[] {
    const specs = this.options.specs ?? models;
    return this.names().flatMap((name) => (Object.hasOwn(specs, name) ? [specs[name]!] : []));
  }

  names(): string[] {
    return [...this.status.keys()];
  }

  /** Loads every pinned model (once); failures are recorded, never thrown. */
  loadAll(): Promise<void> {
    this.loading ??= Promise.all(
      [...this.pins].map(async ([name, pin]) => {
        if (this.pending.has(name)) return;
        try {
          this.install(await this.open(name, pin));
        } catch (error) {
          this.fail(name, pin, error);
        }
      }),
    ).then(() => undefined);
    return this.loading;
  }

  /** Resolves when every model has loaded or failed: true when all are ready. */
  async settled(): Promise<boolean> {
    await this.loadAll();
    return this.ready();
  }

  private open(name: string, pin: Pin): Promise<ServedModel> {
    return loadModel(name, pin, this.spec(name), this.options);
  }

  private install(model: ServedModel): ServedModel | undefined {
    const old = this.loaded.get(model.name);
    this.loaded.set(model.name, model);
    this.pins.set(model.name, model.pin);
    this.status.set(model.name, {
      name: model.name,
      state: "ready",
      version: model.pin.version,
      sha256: model.pin.sha256,
    });
    const { modelInfo } = this.options.metrics;
    if (old) modelInfo.remove({ model: old.name, version: old.pin.version, sha256: old.pin.sha256 });
    modelInfo.set({ model: model.name, version: model.pin.version, sha256: model.pin.sha256 }, 1);
    return old;
  }

  /** A pending model's artifact is built: the next reload loads it. */
  built(name: string): void {
    this.pending.delete(name);
  }

  /** A pending model whose build failed: unready, saying why (a later reload may still bring it). */
  buildFailed(name: string, error: unknown): void {
    this.pending.delete(name);
    const pin = this.pins.get(name);
    if (pin && this.status.get(name)?.state === "loading") this.fail(name, pin, error);
  }

  private fail(name: string, pin: Pin, error: unknown): void {
    const { code, message } = failure(error);
    this.status.set(name, {
      name,
      state: "failed",
      version: pin.version,
      sha256: pin.sha256,
      error: { code, message },
    });
    this.options.metrics.modelLoadFailures.inc({ model: name, reason: code });
    this.options.logger.error(
      { model: name, version: pin.version, sha256: pin.sha256, code, err: message },
      "model failed to load; the server stays unready",
    );
  }

  /**
   * Serves the pins of a new lock: changed artifacts are loaded and verified beside the serving
   * ones and swapped in atomically; requests already running finish on the old session, which is
   * released after them. One reload runs at a time.
   */
  reload(lock: LockFile): Promise<ReloadOutcome[]> {
    const next = this.reloading.then(() => this.applyReload(lock));
    this.reloading = next.catch(() => undefined);
    return next;
  }

  /** A model's pins in every environment of the lock served now, by environment. */
  pinsOfModel(name: string): Record<string, Pin> {
    return Object.hasOwn(this.lock.models, name) ? { ...this.lock.models[name]!.pins } : {};
  }

  /** The goal of a model's gate in the lock served now. */
  gateOf(name: string): LockFile["models"][string]["gate"] | undefined {
    return Object.hasOwn(this.lock.models, name) ? this.lock.models[name]!.gate : undefined;
  }

  private async applyReload(lock: LockFile): Promise<ReloadOutcome[]> {
    await this.loadAll();
    this.lock = lock;
    const wanted = this.pinsOf(lock);
    const { logger, metrics } = this.options;
    const outcomes: ReloadOutcome[] = [];
    for (const name of this.names()) {
      if (wanted.has(name)) continue;
      const old = this.loaded.get(name);
      this.loaded.delete(name);
      this.status.delete(name);
      this.pins.delete(name);
      if (old) {
        metrics.modelInfo.remove({ model: name, version: old.pin.version, sha256: old.pin.sha256 });
        void old.retire();
      }
      outcomes.push({ model: name, result: "removed" });
    }
    await Promise.all(
      [...wanted].map(async ([name, pin]) => {
        const current = this.loaded.get(name);
        if (current && current.pin.sha256 === pin.sha256 && current.pin.version === pin.version) {
          outcomes.push({ model: name, result: "unchanged", version: pin.version, sha256: pin.sha256 });
          return;
        }
        if (!current && this.pending.has(name)) {
          outcomes.push({ model: name, result: "pending", version: pin.version, sha256: pin.sha256 });
          return;
        }
        if (!this.status.has(name)) {
          this.status.set(name, { name, state: "loading", version: pin.version, sha256: pin.sha256 });
        }
        try {
          const old = this.install(await this.open(name, pin));
          if (old) void old.retire();
          outcomes.push({
            model: name,
            result: old ? "swapped" : "loaded",
            version: pin.version,
            sha256: pin.sha256,
          });
          logger.info(
            { model: name, version: pin.version, sha256: pin.sha256, from: old?.pin.sha256 },
            "model swapped",
          );
        } catch (error) {
          const { code, message } = failure(error);
          outcomes.push({
            model: name,
            result: "failed",
            version: pin.version,
            sha256: pin.sha256,
            error: message,
          });
          if (current) {
            // the old artifact keeps serving; the status says what was refused
            this.status.set(name, {
              ...this.status.get(name)!,
              reloadFailure: { version: pin.version, sha256: pin.sha256, code, message },
            });
            metrics.modelLoadFailures.inc({ model: name, reason: code });
            logger.error(
              { model: name, sha256: pin.sha256, code, err: message },
              "new artifact refused; the old one keeps serving",
            );
          } else {
            this.fail(name, pin, error);
          }
        }
      }),
    );
    for (const outcome of outcomes)
      metrics.modelReloads.inc({ model: outcome.model, result: outcome.result });
    return outcomes.sort((a, b) => a.model.localeCompare(b.model));
  }

  /** The serving model with a lease taken: call release() when the request is done with it. */
  acquire(name: string): ServedModel | undefined {
    return this.loaded.get(name)?.acquire();
  }

  get(name: string): ServedModel | undefined {
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
    await this.reloading;
    await Promise.all([...this.loaded.values()].map((m) => m.close()));
    this.loaded.clear();
  }
}
