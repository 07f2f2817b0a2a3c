import type { Candidate } from "@lockstep/models";
import { recordRun, runInputFrom, type RecordOutcome, type RunKind, type RunSnapshot } from "@lockstep/runs";
import { openStore } from "@lockstep/store";
import type { Output } from "./output.js";

/** LOCKSTEP_RUN_RECORDS=off turns run records off (they are on by default). */
export const runRecordsOff = (env: NodeJS.ProcessEnv = process.env) =>
  /^(off|0|false|no)$/i.test(env.LOCKSTEP_RUN_RECORDS ?? "");

/**
 * Writes the run record of a trained candidate to its store (`runs/<model>/<id>.json`): never
 * fails the training; a record that cannot be written is a warning with the count so far.
 */
export async function recordCandidate(
  candidate: Candidate,
  options: {
    kind: RunKind;
    environment: string;
    store: string;
    baseDir: string;
    seconds: number;
    /** The lock's gate for the model (the spec's when it has no entry yet). */
    gate?: { metric: string; goal: "minimize" | "maximize" };
    /** The pin the verdict compared against. */
    against?: { version: string; sha256: string };
  },
  out: Pick<Output, "warn">,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RecordOutcome | undefined> {
  if (runRecordsOff(env)) return undefined;
  const { spec, trained, pin, verdict, artifact } = candidate;
  const snapshot = (candidate as { snapshot?: RunSnapshot }).snapshot;
  const against = options.against;
  return recordRun(
    () => openStore(options.store, { baseDir: options.baseDir, env }),
    runInputFrom(
      {
        model: spec.name,
        kind: options.kind,
        environment: options.environment,
        card: trained.card,
        metrics: trained.metrics,
        timings: trained.timings,
        seconds: options.seconds,
        artifact,
        gate: options.gate ?? spec.gate,
        verdict,
        ...(against ? { against } : {}),
        source: pin.source,
        report: trained.report,
        ...(snapshot ? { snapshot } : {}),
      },
      env,
    ),
    (message) => out.warn(message),
  );
}
