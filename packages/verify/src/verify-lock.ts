import { diffLock, type LockFile } from "@lockstep/lockfile";
import type { OpenStoreOptions } from "@lockstep/store";
import { verifyPin, type PinVerification, type VerifyOptions } from "./verify-pin.js";

/** Verifies every pin that `after` adds or changes relative to `before` (removed pins need nothing). */
export async function verifyChangedPins(
  before: LockFile,
  after: LockFile,
  options: VerifyOptions & {
    log?: (line: string) => void;
    /** The store options of one pin (its environment's endpoint and region), over `storeOptions`. */
    storeOptionsFor?: (model: string, environment: string) => OpenStoreOptions | undefined;
  } = {},
): Promise<PinVerification[]> {
  const results: PinVerification[] = [];
  for (const change of diffLock(before, after)) {
    if (!change.after) continue;
    options.log?.(`verifying ${change.model}@${change.environment} version ${change.after.version}`);
    const storeOptions = options.storeOptionsFor?.(change.model, change.environment) ?? options.storeOptions;
    results.push(
      await verifyPin(change.model, change.environment, change.after, { ...options, storeOptions }),
    );
  }
  return results;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** A Markdown table of every check of every pin: what held and what did not. */
export function verificationTable(results: PinVerification[]): string {
  if (results.length === 0) return "No pin was added or changed.";
  const rows = results.flatMap((r) =>
    r.checks.map(
      (c) =>
        `| ${r.model} | ${r.environment} | ${r.version} | ${c.name} | ${c.ok ? "✅" : "❌"} | ${cell(c.detail)} |`,
    ),
  );
  return [
    "| model | environment | version | check | | detail |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** One line: how many pins held, and which checks failed for the ones that did not. */
export function verificationSummary(results: PinVerification[]): string {
  if (results.length === 0) return "no pin was added or changed";
  const failed = results.filter((r) => !r.ok);
  const pins = (n: number) => `${n} pin${n === 1 ? "" : "s"}`;
  if (failed.length === 0) return `${pins(results.length)} verified, all checks held`;
  const which = failed.map(
    (r) =>
      `${r.model}@${r.environment} v${r.version} (${r.checks
        .filter((c) => !c.ok)
        .map((c) => c.name)
        .join(", ")})`,
  );
  return `${failed.length} of ${pins(results.length)} failed verification: ${which.join("; ")}`;
}
