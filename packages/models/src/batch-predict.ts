import type { ModelCard } from "@lockstep/onnx";
import * as ort from "onnxruntime-node";
import type { BatchRow, MonitorValue, OutputTensor, ServingAdapter } from "./serving-adapter.js";
import { decodeRequest, encodeAnswer } from "./serving-calls.js";

/** One row answered by the pinned artifact, as the server would have answered it. */
export interface BatchPrediction {
  id: string;
  time?: string;
  answer: Record<string, unknown>;
  /** The spec's monitor fields: what drift is tested on, named as the card's profile. */
  features: Record<string, MonitorValue>;
  prediction: Record<string, MonitorValue>;
  truth?: unknown;
  latencyMs: number;
}

export interface BatchOutcome {
  predictions: BatchPrediction[];
  /** Rows the model refused (the message of each, by row id; at most 20 kept). */
  refused: { id: string; message: string }[];
  refusedCount: number;
}

export interface BatchOptions {
  /** Called every `every` rows with the count done. */
  progress?: (done: number, total: number) => void;
  every?: number;
}

/**
 * Runs every row through the spec's decode, onnxruntime and encode, exactly the server's path
 * (the request schema included), one row at a time on one session. A row the model refuses is
 * counted and skipped: one bad row does not stop a batch.
 */
export async function batchPredict<Context, Serving>(
  serving: ServingAdapter<Context, Serving>,
  card: ModelCard,
  onnx: Uint8Array,
  rows: BatchRow[],
  options: BatchOptions = {},
): Promise<BatchOutcome> {
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1 });
  const predictions: BatchPrediction[] = [];
  const refused: { id: string; message: string }[] = [];
  let refusedCount = 0;
  const every = options.every ?? 1000;
  try {
    for (const [i, row] of rows.entries()) {
      const started = performance.now();
      try {
        const request =
          typeof row.request === "function" ? await (row.request as () => unknown)() : row.request;
        const decoded = await decodeRequest(serving, request, card);
        const features = serving.monitor?.features(decoded, card as never) ?? {};
        const feeds = Object.fromEntries(
          Object.entries(decoded.feeds).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]),
        );
        const outputs = (await session.run(feeds)) as unknown as Record<string, OutputTensor>;
        decoded.release?.();
        const answer = encodeAnswer(serving, outputs, card, decoded.context);
        predictions.push({
          id: row.id,
          ...(row.time ? { time: row.time } : {}),
          answer,
          features,
          prediction: serving.monitor?.prediction(answer, features) ?? {},
          ...(row.truth !== undefined ? { truth: row.truth } : {}),
          latencyMs: performance.now() - started,
        });
      } catch (error) {
        refusedCount++;
        if (refused.length < 20) refused.push({ id: row.id, message: (error as Error).message });
      }
      if (options.progress && (i + 1) % every === 0) options.progress(i + 1, rows.length);
    }
  } finally {
    await session.release();
  }
  return { predictions, refused, refusedCount };
}
