import { SnapshotError } from "./snapshot-errors.js";
import { DEFAULT_SNAPSHOT_CAP } from "./snapshot.js";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** A size like "256MiB", "1.5GB" or "1048576" in bytes; a SnapshotError for anything else. */
export function parseSize(text: string, what = "size"): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(text);
  const bytes = match ? Math.floor(Number(match[1]) * UNITS[(match[2] ?? "").toLowerCase()]!) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw new SnapshotError(
      "SNAPSHOT_INVALID",
      `${what} must be a positive size like 256MiB, 1GB or 1048576, got ${JSON.stringify(String(text).slice(0, 40))}`,
    );
  return bytes;
}

const ON = new Set(["1", "true", "on", "yes"]);
const OFF = new Set(["0", "false", "off", "no"]);

/**
 * Whether training snapshots its data, and up to what size: the flag (`--snapshot` /
 * `--no-snapshot`), else LOCKSTEP_SNAPSHOT, else on under CI (`CI=true`) and off on a laptop; the cap
 * from `--snapshot-cap`, else LOCKSTEP_SNAPSHOT_CAP, else DEFAULT_SNAPSHOT_CAP. `false` when off.
 */
export function snapshotSettings(
  options: { snapshot?: boolean; cap?: string },
  env: NodeJS.ProcessEnv = process.env,
): { capBytes: number } | false {
  const variable = env.LOCKSTEP_SNAPSHOT?.trim().toLowerCase();
  if (variable && !ON.has(variable) && !OFF.has(variable))
    throw new SnapshotError(
      "SNAPSHOT_INVALID",
      `LOCKSTEP_SNAPSHOT must be on or off (1/0, true/false), got ${JSON.stringify(variable.slice(0, 20))}`,
    );
  const on = options.snapshot ?? (variable ? ON.has(variable) : env.CI?.trim().toLowerCase() === "true");
  const capText = options.cap ?? env.LOCKSTEP_SNAPSHOT_CAP;
  const capBytes = capText
    ? parseSize(capText, options.cap ? "--snapshot-cap" : "LOCKSTEP_SNAPSHOT_CAP")
    : DEFAULT_SNAPSHOT_CAP;
  return on ? { capBytes } : false;
}
