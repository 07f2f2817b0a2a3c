import { mkdir, writeFile } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { bumpPin, localOnly, writeLock } from "@lockstep/lockfile";
import { formatHeadline, trainCandidate, writeReport, type Candidate } from "@lockstep/models";
import { snapshotSettings } from "@lockstep/data";
import {
  CANDIDATE_VERSION,
  defaultCandidatePath,
  defaultReportPath,
  type CandidateFile,
} from "@lockstep/proposal";
import type { RunKind } from "@lockstep/runs";
import { pinSource } from "../git.js";
import { lockPath, readLockOrEmpty } from "../lock-io.js";
import { table, type Output } from "../output.js";
import { parseEnvironment, parseParamsOption } from "../params.js";
import { recordCandidate } from "../run-record.js";

export interface TrainOptions {
  data?: string;
  /** --params as given on the command line (JSON text or @file), or params already parsed (the train action). */
  params?: string | Record<string, unknown>;
  store?: string;
  env?: string;
  lock?: string;
  pin?: boolean;
  report?: string;
  json?: boolean;
  /** What the run record says started this training (default train; `npm start` says start). */
  runKind?: RunKind;
  /** --snapshot / --no-snapshot; absent: $LOCKSTEP_SNAPSHOT, else on when CI=true. */
  snapshot?: boolean;
  /** --snapshot-cap (e.g. 256MiB); absent: $LOCKSTEP_SNAPSHOT_CAP, else 256 MiB. */
  snapshotCap?: string;
  /** The snapshot a pin names: read when the data changed or is gone (rebuilds). */
  dataSnapshot?: string;
}

export interface TrainOutcome {
  candidate: Candidate;
  reportPath: string;
  candidatePath: string;
  pinned: boolean;
  /** The run record written (`runs/<model>/<id>.json`), or why not; absent when records are off. */
  run?: Awaited<ReturnType<typeof recordCandidate>>;
}

export const defaultStore = (env: NodeJS.ProcessEnv = process.env) =>
  env.LOCKSTEP_STORE ?? "file://.lockstep/store";

/** Trains a model, stores the artifact, writes the report and candidate pin; with --pin, gates and pins. */
export async function train(model: string, options: TrainOptions, out: Output): Promise<TrainOutcome> {
  const environment = parseEnvironment(options.env);
  const params = typeof options.params === "object" ? options.params : parseParamsOption(options.params);
  const snapshot = snapshotSettings({ snapshot: options.snapshot, cap: options.snapshotCap });
  const path = lockPath(options.lock);
  const baseDir = dirname(path);
  const lock = await readLockOrEmpty(path);
  const began = performance.now();
  const store = options.store ?? defaultStore();
  const candidate = await trainCandidate({
    model,
    data: options.data,
    params,
    store,
    lock,
    environment,
    source: await pinSource(baseDir),
    context: { log: out.progress, baseDir, phase: out.phase?.bind(out) },
    snapshot,
    dataSnapshot: options.dataSnapshot,
  });
  const { pin, verdict, spec } = candidate;
  const reportPath =
    options.report ?? defaultReportPath(baseDir, { model: spec.name, pin: { sha256: pin.sha256 } });
  const candidatePath = defaultCandidatePath(baseDir, spec.name, environment);
  await mkdir(dirname(candidatePath), { recursive: true });
  await writeReport(reportPath, candidate.trained);
  const { card, timings } = candidate.trained;
  const candidateFile: CandidateFile = {
    candidateVersion: CANDIDATE_VERSION,
    model: spec.name,
    environment,
    pin,
    gate: spec.gate,
    params: card.params,
    seed: card.seed,
    data: { source: card.data.source, sha256: card.data.sha256, rows: card.data.rows },
    ...(timings ? { timings } : {}),
    trainer: card.trainer,
    headline: (spec.headline?.(card) ?? []).map(formatHeadline),
  };
  await writeFile(candidatePath, `${JSON.stringify(candidateFile, null, 2)}\n`);

  const current = lock.models[spec.name]?.pins[environment];
  const run = await recordCandidate(
    candidate,
    {
      kind: options.runKind ?? "train",
      environment,
      store,
      baseDir,
      seconds: (performance.now() - began) / 1000,
      gate: lock.models[spec.name]?.gate ?? spec.gate,
      ...(current ? { against: { version: current.version, sha256: current.sha256 } } : {}),
    },
    out,
  );
  const identical = current?.sha256 === pin.sha256;
  let pinned = false;
  // an identical artifact is already pinned: nothing to write
  if (options.pin && verdict.better && !identical) {
    await writeLock(path, bumpPin(lock, spec.name, environment, pin, spec.gate));
    pinned = true;
  }
  if (options.json) {
    out.json({
      model: spec.name,
      environment,
      pin,
      verdict,
      pinned,
      report: reportPath,
      candidate: candidatePath,
      ...(candidate.snapshot ? { snapshot: candidate.snapshot } : {}),
      ...(run?.ok ? { run: { id: run.id, uri: run.uri } } : run ? { runError: run.error } : {}),
    });
  } else {
    const rows = [["metric", "candidate", `pinned (${environment})`]];
    for (const [name, value] of Object.entries(pin.metrics))
      rows.push([name, String(value), String(current?.metrics[name] ?? "-")]);
    out.result(table(rows));
    out.result(`\nartifact  ${pin.uri}\nsha256    ${pin.sha256}\nbytes     ${pin.bytes}`);
    const snap = candidate.snapshot;
    if (snap)
      out.result(
        "skipped" in snap
          ? `data      no snapshot: ${snap.skipped}`
          : `data      ${pin.evaluation.dataSnapshot} (${snap.bytes} bytes${snap.files === undefined ? "" : ` in ${snap.files} files`}, ${snap.stored.objects} new objects) at ${snap.uri}`,
      );
    if (candidate.dataNote) out.result(`data      ${candidate.dataNote}`);
    out.result(
      identical
        ? `gate      not needed: byte-identical to the pinned version ${current.version} (deterministic training)`
        : `gate      ${verdict.better ? "passes" : "does not pass"}: ${verdict.reason}`,
    );
    out.result(`report    ${relative(process.cwd(), reportPath)}`);
    if (run?.ok) out.result(`run       ${spec.name}/${run.id} (lockstep runs show ${run.id})`);
    if (options.pin) {
      out.result(
        pinned
          ? `pinned    ${spec.name}@${environment} = version ${pin.version} in ${relative(process.cwd(), path)}`
          : `pinned    nothing (${identical ? `version ${current.version} is already this artifact` : "the gate did not pass"})`,
      );
    }
    if (localOnly(pin.uri))
      out.warn(
        `${pin.uri} is a path on this machine only: a lock shared through git cannot be served elsewhere from it (use file://.lockstep/store or s3://)`,
      );
  }
  return { candidate, reportPath, candidatePath, pinned, ...(run ? { run } : {}) };
}
