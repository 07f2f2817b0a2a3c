import { Counter, Gauge } from "prom-client";
import type { Logger } from "pino";
import type { DecodedRequest, FeedTensor, MonitorValue } from "@lockstep/models";
import {
  ClickHouseReplaySink,
  ClickHouseSink,
  DriftWindow,
  isoNow,
  JsonLinesReplaySink,
  JsonLinesSink,
  PredictionLog,
  ReplaySample,
  type ProfileLike,
} from "@lockstep/monitor";
import type { ServerConfig } from "./config.js";
import type { Metrics } from "./metrics.js";
import type { LoadedModel } from "./model-registry.js";
import { tensorRows } from "./tensor-rows.js";

type Fields = Record<string, MonitorValue>;

/** Only finite numbers and strings: what a record may hold (a field the spec could not fill is left out). */
function loggable(fields: Record<string, unknown>): Fields {
  const out: Fields = {};
  for (const [name, value] of Object.entries(fields))
    if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "string") out[name] = value;
  return out;
}

const hasProfile = (profile: unknown): profile is ProfileLike =>
  typeof profile === "object" && profile !== null && "features" in profile;

/**
 * What the server watches of each prediction: the prediction log (bounded, never waited for) and
 * a rolling window per served artifact against its card's reference profile, whose drift is
 * computed on a Prometheus scrape, not per request. Nothing here may fail a request.
 */
export class Monitoring {
  private readonly windows = new WeakMap<LoadedModel, DriftWindow | null>();
  /** A cached answer's prediction fields, by the answer object the cache hands out again. */
  private readonly predictions = new WeakMap<object, Fields>();

  constructor(
    metrics: Metrics,
    private readonly models: () => LoadedModel[],
    private readonly drift: ServerConfig["drift"],
    private readonly log?: PredictionLog,
    private readonly replay?: ReplaySample,
  ) {
    const registers = [metrics.registry];
    if (replay) replayMetrics(metrics, replay);
    new Counter({
      name: "lockstep_prediction_log_dropped_total",
      help: "Predictions not logged: the oldest beyond the log's queue while its sink was slow or down",
      registers,
      collect() {
        this.reset();
        if (log) this.inc(log.dropped);
      },
    });
    new Counter({
      name: "lockstep_prediction_log_written_total",
      help: "Predictions written to the prediction log's sink",
      registers,
      collect() {
        this.reset();
        if (log) this.inc(log.written);
      },
    });
    new Gauge({
      name: "lockstep_prediction_log_queue_depth",
      help: "Predictions waiting for the prediction log's sink",
      registers,
      collect() {
        this.set(log?.depth ?? 0);
      },
    });
    const windows = (model: LoadedModel) => this.windowOf(model);
    const served = () => this.models();
    new Gauge({
      name: "lockstep_feature_drift",
      help: `Drift of each input feature over the last ${drift.window} predictions against the card's reference profile: population stability index for numeric features, Jensen-Shannon divergence (base 2) for categorical ones`,
      labelNames: ["model", "feature"] as const,
      registers,
      collect() {
        this.reset();
        for (const model of served())
          for (const [feature, value] of windows(model)?.featureDrift() ?? [])
            this.set({ model: model.name, feature }, value);
      },
    });
    new Gauge({
      name: "lockstep_prediction_drift",
      help: `Largest drift of the predictions over the last ${drift.window} against the card's reference profile: population stability index for numeric fields, Jensen-Shannon divergence (base 2) for classes`,
      labelNames: ["model"] as const,
      registers,
      collect() {
        this.reset();
        for (const model of served()) {
          const value = windows(model)?.predictionDrift();
          if (value !== undefined) this.set({ model: model.name }, value);
        }
      },
    });
  }

  private windowOf(model: LoadedModel): DriftWindow | undefined {
    let window = this.windows.get(model);
    if (window === undefined) {
      const profile = model.card.featureProfile;
      // a card from before profiles were written has none: nothing to compare with
      window = hasProfile(profile) ? new DriftWindow(profile, this.drift.window, this.drift.minCount) : null;
      this.windows.set(model, window);
    }
    return window ?? undefined;
  }

  /** The request's features as its spec names them, while its buffers are still held. */
  features(model: LoadedModel, decoded: DecodedRequest): Fields | undefined {
    const monitor = model.spec.serving.monitor;
    if (!monitor) return undefined;
    try {
      return monitor.features(decoded, model.card as never);
    } catch {
      return undefined;
    }
  }

  /** Records one answered prediction: the drift window and the prediction log. */
  record(
    model: LoadedModel,
    requestId: string,
    features: Fields | undefined,
    answer: Record<string, unknown> | undefined,
    latencyMs: number,
    cached: boolean,
  ): void {
    const monitor = model.spec.serving.monitor;
    let prediction: Fields = {};
    try {
      if (monitor && answer) {
        // a cache hit repeats the answer object: its prediction fields (and their JSON) are made once
        const known = cached ? this.predictions.get(answer) : undefined;
        prediction = known ?? monitor.prediction(answer, features ?? {});
        if (cached && known === undefined) this.predictions.set(answer, prediction);
      }
    } catch {
      prediction = {};
    }
    this.windowOf(model)?.add(features ?? {}, prediction);
    this.log?.record({
      time: isoNow(),
      requestId,
      model: model.name,
      version: model.pin.version,
      sha256: model.pin.sha256,
      features: features ?? {},
      prediction,
      latencyMs,
      cached,
    });
  }

  /**
   * An Open Inference request's rows as the spec's monitor describes them, from the input tensors
   * (up to MAX_LOGGED_ROWS; taken before the run, which may hand the buffers to a worker).
   * Tensors carry no domain answer: these rows are logged with features only.
   */
  tensorFeatures(model: LoadedModel, feeds: Record<string, FeedTensor>): Fields[] | undefined {
    const monitor = model.spec.serving.monitor;
    if (!monitor) return undefined;
    try {
      return tensorRows(feeds)?.map((row) =>
        loggable(monitor.features({ feeds: row, context: {} }, model.card as never)),
      );
    } catch {
      return undefined; // a spec reading its context cannot describe a bare tensor
    }
  }

  /** Records the rows tensorFeatures described, each as its own record. */
  recordRows(
    model: LoadedModel,
    requestId: string,
    rows: Fields[],
    latencyMs: number,
    cached: boolean,
  ): void {
    for (const [r, features] of rows.entries())
      this.record(
        model,
        rows.length > 1 ? `${requestId}#${r}` : requestId,
        features,
        undefined,
        latencyMs,
        cached,
      );
  }

  /**
   * Offers an answered request's body to the replay sample (after the answer is made; it only
   * enqueues). A JSON body by its bytes as received, an image by its bytes.
   */
  sample(model: LoadedModel, requestId: string, route: string, json: boolean, body: unknown): void {
    if (!this.replay || !(body instanceof Uint8Array)) return;
    this.replay.offer({
      model: model.name,
      version: model.pin.version,
      sha256: model.pin.sha256,
      route,
      requestId,
      kind: json ? "json" : "image",
      bytes: body,
    });
  }

  async close(): Promise<void> {
    await this.log?.close();
    await this.replay?.close();
  }
}

function replayMetrics(metrics: Metrics, replay: ReplaySample): void {
  const registers = [metrics.registry];
  new Counter({
    name: "lockstep_replay_sampled_total",
    help: "Requests taken into the replay sample",
    registers,
    collect() {
      this.reset();
      this.inc(replay.sampled);
    },
  });
  new Counter({
    name: "lockstep_replay_skipped_total",
    help: "Requests the replay sample skipped: oversized bodies, images while images are off, past the day's cap per model",
    labelNames: ["reason"] as const,
    registers,
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(replay.skipped)) this.inc({ reason }, count);
    },
  });
  new Counter({
    name: "lockstep_replay_dropped_total",
    help: "Sampled requests not written: the oldest beyond the replay queue while its sink was slow or down",
    registers,
    collect() {
      this.reset();
      this.inc(replay.log.dropped);
    },
  });
}

/** The replay sample the configuration asks for, or none; its errors go to the log, rate-limited. */
export function replaySampleFrom(config: ServerConfig["replay"], logger: Logger): ReplaySample | undefined {
  if (config.kind === "off" || config.sampleRate === 0) return undefined;
  const sink =
    config.kind === "clickhouse"
      ? new ClickHouseReplaySink(config.url!, config.retentionDays)
      : new JsonLinesReplaySink(config.dir, config.retentionDays);
  let lastError = 0;
  return new ReplaySample({
    sink,
    sampleRate: config.sampleRate,
    maxPerDay: config.maxPerDay,
    maxBodyBytes: config.maxBodyBytes,
    images: config.images,
    maxQueue: config.maxQueue,
    maxQueueBytes: config.maxQueueBytes,
    onError: (error, name) => {
      if (Date.now() - lastError < 60_000) return;
      lastError = Date.now();
      logger.warn(
        { sink: name, err: (error as Error).message },
        "replay sample sink failing; retrying, the oldest sampled requests are dropped beyond the queue",
      );
    },
  });
}

/** The prediction log the configuration asks for, or none; its errors go to the log, rate-limited. */
export function predictionLogFrom(
  config: ServerConfig["predictionLog"],
  logger: Logger,
): PredictionLog | undefined {
  if (config.kind === "off") return undefined;
  const sink = config.kind === "clickhouse" ? new ClickHouseSink(config.url!) : new JsonLinesSink(config.dir);
  let lastError = 0;
  return new PredictionLog({
    sink,
    maxQueue: config.maxQueue,
    sampleRate: config.sampleRate,
    onError: (error, name) => {
      // a sink that is down fails every retry: one line a minute says so
      if (Date.now() - lastError < 60_000) return;
      lastError = Date.now();
      logger.warn(
        { sink: name, err: (error as Error).message },
        "prediction log sink failing; retrying, the oldest records are dropped beyond the queue",
      );
    },
  });
}
