import { writeDataUri } from "@lockstep/data";
import type { Pin } from "@lockstep/lockfile";
import { batchPredict, type BatchPrediction, type ModelSpec } from "@lockstep/models";
import { MonitorError, realisedReport, type LogRead, type RealisedReport } from "@lockstep/monitor";
import type { ModelCard } from "@lockstep/onnx";
import { CliError, EXIT } from "../errors.js";
import type { Output } from "../output.js";

export interface DataRun {
  read: LogRead;
  predictions: BatchPrediction[];
  realised?: RealisedReport;
}

/**
 * New data through the pinned artifact: the spec's batch adapter turns it into requests (with
 * their truth where it has arrived), each answered as the server would; the answers become the
 * window the drift tests read, and those with their truth give the realised metric.
 */
export async function predictData(
  spec: ModelSpec,
  pin: Pin,
  artifact: { bytes: Uint8Array; card: ModelCard },
  uri: string,
  io: { baseDir: string; env: NodeJS.ProcessEnv; tolerance?: number },
  out: Output,
): Promise<DataRun> {
  const batch = spec.serving.batch;
  if (!batch)
    throw new CliError(`${spec.name} has no batch adapter: it can be monitored over its log only (--log)`);
  const { card } = artifact;
  const rows = await batch
    .rows(uri, card as never, { baseDir: io.baseDir, env: io.env, log: out.progress })
    .catch((error: unknown) => {
      // data that is not there is bad input, like data that does not parse; an unreachable store is not
      if ((error as { code?: string }).code === "STORE_NOT_FOUND")
        throw new CliError(`--data: ${(error as Error).message}`, EXIT.usage, "DATA_INVALID");
      throw error;
    });
  if (rows.length === 0)
    throw new MonitorError(
      "LOG_EMPTY",
      `no predictions of ${spec.name} v${pin.version} to make: ${uri} holds nothing after the data it was trained on`,
    );
  out.progress(`${spec.name} v${pin.version}: predicting ${rows.length.toLocaleString("en")} rows of ${uri}`);
  const outcome = await batchPredict(spec.serving, card, artifact.bytes, rows, {
    progress: (done, total) =>
      out.progress(`  ${done.toLocaleString("en")} of ${total.toLocaleString("en")} rows`),
  });
  if (outcome.refusedCount > 0)
    out.warn(
      `${outcome.refusedCount} rows refused, e.g. ${outcome.refused
        .slice(0, 3)
        .map((r) => `${r.id}: ${r.message}`)
        .join("; ")}`,
    );
  const now = new Date().toISOString();
  const read: LogRead = {
    records: outcome.predictions.map((p) => ({
      time: p.time ?? now,
      requestId: p.id,
      model: spec.name,
      version: pin.version,
      sha256: pin.sha256,
      features: p.features,
      prediction: p.prediction,
      latencyMs: p.latencyMs,
      cached: false,
    })),
    invalid: outcome.refusedCount,
    otherModel: 0,
    otherArtifact: 0,
    older: 0,
  };
  const realised = batch.realised
    ? realisedReport(
        batch.realised,
        outcome.predictions.map((p) => ({
          ...(p.time ? { time: p.time } : {}),
          answer: p.answer,
          truth: p.truth,
        })),
        card.metrics?.[batch.realised.metric],
        io.tolerance !== undefined ? { tolerance: io.tolerance } : {},
      )
    : undefined;
  return { read, predictions: outcome.predictions, ...(realised ? { realised } : {}) };
}

const FORMULA = /^[=+@\t\r-]/;

/** A CSV cell: quoted when it must be, and never a formula a spreadsheet would run. */
function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  let text = typeof value === "string" ? value : JSON.stringify(value);
  if (FORMULA.test(text) && !/^-?\d/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The batch predictions as CSV (one column per prediction field) or JSON Lines (whole answers). */
export function predictionsText(predictions: BatchPrediction[], format: "csv" | "jsonl"): string {
  if (format === "jsonl")
    return predictions
      .map((p) =>
        JSON.stringify({
          id: p.id,
          ...(p.time ? { time: p.time } : {}),
          prediction: p.prediction,
          answer: p.answer,
          ...(p.truth !== undefined ? { truth: p.truth } : {}),
        }),
      )
      .map((line) => `${line}\n`)
      .join("");
  const fields = [...new Set(predictions.flatMap((p) => Object.keys(p.prediction)))];
  const header = ["id", "time", ...fields, "truth"];
  const lines = predictions.map((p) =>
    [p.id, p.time, ...fields.map((f) => p.prediction[f]), p.truth].map(csvCell).join(","),
  );
  return [header.join(","), ...lines].map((line) => `${line}\n`).join("");
}

/** Writes them where `--predictions` says: .csv gives CSV, anything else JSON Lines. */
export async function writePredictions(
  uri: string,
  predictions: BatchPrediction[],
  io: { baseDir: string; env: NodeJS.ProcessEnv },
): Promise<string> {
  const format = /\.csv$/i.test(uri) ? "csv" : "jsonl";
  return writeDataUri(uri, predictionsText(predictions, format), {
    ...io,
    contentType: format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
  });
}
