import { dirname, resolve } from "node:path";
import {
  diffLock,
  portabilityWarnings,
  storeWarnings,
  type LockFile,
  type PinChange,
} from "@lockstep/lockfile";
import { DEFAULT_STORE_URI } from "@lockstep/store";
import { deployConfigAt, trustedStores } from "../deployed-location.js";
import { EXIT } from "../errors.js";
import { lockPath, readLockRef } from "../lock-io.js";
import { table, type Output } from "../output.js";

/** Reads the lock named by `file` (a path or git:REV), defaulting to ./models.lock.json. */
function loadLock(file: string | undefined): Promise<LockFile> {
  const path = lockPath(undefined);
  return readLockRef(file ?? path, path);
}

export async function lockValidate(
  file: string | undefined,
  options: { json?: boolean; strict?: boolean; trustedConfig?: string },
  out: Output,
): Promise<number> {
  const path = file ?? lockPath(undefined);
  const lock = await loadLock(file);
  const pins = Object.values(lock.models).reduce((n, m) => n + Object.keys(m.pins).length, 0);
  const warnings = portabilityWarnings(lock);
  if (options.strict) {
    // --strict: every pin names an object of a configured store (the deployment config's or the local
    // default); with `trustedConfig` (a pull request's base), that config decides which stores count
    const ref = file?.startsWith("git:") ? file : "worktree";
    const dir = dirname(ref === "worktree" && file ? resolve(file) : lockPath(undefined));
    const config = await deployConfigAt(ref, dir);
    const trusted = options.trustedConfig ? await deployConfigAt(options.trustedConfig, dir) : config;
    const stores = [DEFAULT_STORE_URI, ...trustedStores(config, trusted)];
    const seen = new Set(warnings.map((w) => w.pointer));
    warnings.push(...storeWarnings(lock, stores).filter((w) => !seen.has(w.pointer)));
  }
  const valid = !(options.strict && warnings.length > 0);
  const models = Object.keys(lock.models).length;
  if (options.json) out.json({ valid, path, models, pins, warnings });
  else {
    for (const w of warnings) (options.strict ? out.error : out.warn)(`${path}${w.pointer}: ${w.message}`);
    out.result(
      `${path}: ${valid ? "valid" : "not valid under --strict"} (${plural(models, "model")}, ${plural(pins, "pin")}${warnings.length ? `, ${plural(warnings.length, "warning")}` : ""})`,
    );
  }
  return valid ? EXIT.ok : EXIT.failure;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function showRows(lock: LockFile): string[][] {
  const rows = [["model", "environment", "version", "sha256", "gate metric", "trained at"]];
  for (const [name, model] of Object.entries(lock.models)) {
    for (const [env, pin] of Object.entries(model.pins)) {
      const metric = `${model.gate.metric}=${pin.metrics[model.gate.metric]} (${model.gate.goal})`;
      rows.push([name, env, pin.version, pin.sha256.slice(0, 12), metric, pin.trainedAt]);
    }
  }
  return rows;
}

export async function lockShow(
  file: string | undefined,
  options: { json?: boolean },
  out: Output,
): Promise<number> {
  const lock = await loadLock(file);
  if (options.json) out.json(lock);
  else out.result(Object.keys(lock.models).length === 0 ? "no models pinned" : table(showRows(lock)));
  return EXIT.ok;
}

function renderChange(change: PinChange): string {
  const from = change.before ? `v${change.before.version} ${change.before.sha256.slice(0, 12)}` : "(none)";
  const to = change.after ? `v${change.after.version} ${change.after.sha256.slice(0, 12)}` : "(removed)";
  const gate =
    change.gateImproved === undefined
      ? ""
      : change.gateImproved
        ? `  gate metric ${change.gateMetric} improved`
        : `  gate metric ${change.gateMetric} did NOT improve`;
  const rows = [["metric", "before", "after", "delta"]];
  for (const m of change.metrics) {
    const delta = m.delta === undefined ? "" : `${m.delta > 0 ? "+" : ""}${Number(m.delta.toPrecision(4))}`;
    rows.push([m.name, String(m.before ?? "-"), String(m.after ?? "-"), delta]);
  }
  return `${change.model}@${change.environment}: ${change.status} ${from} -> ${to}${gate}\n${table(rows).replace(/^/gm, "  ")}`;
}

/** Diffs two locks: files or git:REV (default: git:HEAD against the working file). */
export async function lockDiff(
  before: string | undefined,
  after: string | undefined,
  options: { json?: boolean; exitCode?: boolean },
  out: Output,
): Promise<number> {
  const path = lockPath(undefined);
  const old = await readLockRef(before ?? "git:HEAD", path);
  const current = await readLockRef(after ?? path, path);
  const changes = diffLock(old, current);
  if (options.json) out.json(changes);
  else out.result(changes.length === 0 ? "no pin changed" : changes.map(renderChange).join("\n\n"));
  if (options.exitCode && changes.length > 0) return EXIT.failure;
  return EXIT.ok;
}
