import { createHash } from "node:crypto";
import type { Pin } from "@lockstep/lockfile";
import type { ModelSpec, TrainedModel } from "@lockstep/models";
import { recordRun, runInputFrom, type RecordOutcome, type RunSnapshot } from "@lockstep/runs";
import { openStore, parseArtifactUri, type OpenStoreOptions } from "@lockstep/store";

export interface RerunRecordOptions {
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  storeOptions?: OpenStoreOptions;
  log?: (line: string) => void;
  /** Pins read from a pull request: nothing is written to the store they name. */
  untrustedPins?: boolean;
}

/**
 * Records a `verify --reproduce` re-run (kind "reproduce") in the pin's store: what was trained
 * again and whether it came out the pinned bytes. Never fails the verification: a record that
 * cannot be written (a read-only identity) is a warning in the log, counted.
 */
export async function recordRerun(
  spec: ModelSpec,
  pin: Pin,
  trained: TrainedModel,
  seconds: number,
  options: RerunRecordOptions & { snapshot?: RunSnapshot; storedUri?: string },
): Promise<RecordOutcome | undefined> {
  const env = options.env ?? process.env;
  if (options.untrustedPins || /^(off|0|false|no)$/i.test(env.LOCKSTEP_RUN_RECORDS ?? "")) return undefined;
  const sha256 = createHash("sha256").update(trained.onnx).digest("hex");
  const same = sha256 === pin.sha256;
  const log = options.log ?? (() => {});
  return recordRun(
    () =>
      openStore(parseArtifactUri(pin.uri).storeUri, {
        baseDir: options.baseDir,
        env,
        ...options.storeOptions,
      }),
    runInputFrom(
      {
        model: spec.name,
        kind: "reproduce",
        card: trained.card,
        metrics: trained.metrics,
        timings: trained.timings,
        seconds,
        // a re-run's bytes are stored only when they rebuild a missing artifact
        artifact: { sha256, bytes: trained.onnx.length, uri: options.storedUri ?? "" },
        gate: spec.gate,
        verdict: {
          better: false,
          reason: `re-run of version ${pin.version}: ${same ? "byte-identical to the pin" : `sha256 ${sha256.slice(0, 12)}, not the pinned ${pin.sha256.slice(0, 12)}`}`,
          candidate: trained.metrics[spec.gate.metric],
          current: pin.metrics[spec.gate.metric],
        },
        against: { version: pin.version, sha256: pin.sha256 },
        source: pin.source,
        report: trained.report,
        ...(options.snapshot ? { snapshot: options.snapshot } : {}),
      },
      env,
    ),
    (message) => log(`  warning: ${message}`),
  );
}
