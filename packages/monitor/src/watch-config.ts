import { MonitorError } from "./errors.js";

/** What the post-promotion watch does when the current pin is worse than the previous. */
export type WatchAction = "pull-request" | "issue" | "none";

/** The post-promotion watch's settings for one model (lockstep.watch.json: defaults, then the model's). */
export interface WatchSettings {
  /** Relative worsening of the realised metric tolerated (0.1: the current pin 10% worse). */
  tolerance: number;
  /** Rows with their truth a verdict needs; fewer: "not enough truth yet". */
  minTruth: number;
  /** Share of paired resamples in which the current pin must be worse at all. */
  confidence: number;
  action: WatchAction;
  /** Time after the rollout's own duration before the pin counts as fully rolled out (Argo CD's sync, the last step). */
  settleMs: number;
}

export const WATCH_CONFIG_NAME = "lockstep.watch.json";
export const MAX_WATCH_CONFIG_BYTES = 64 * 1024;

/** Per model: co2's truth comes a month at a time, btc's a 4-hour bar at a time. */
export const WATCH_DEFAULTS: WatchSettings = {
  tolerance: 0.1,
  minTruth: 30,
  confidence: 0.95,
  action: "pull-request",
  settleMs: 30 * 60_000,
};

const DURATION = /^(\d{1,6})([mhd])$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const KEYS = ["tolerance", "minTruth", "confidence", "action", "settle"] as const;

/** A duration like 30m, 6h or 2d, in ms; undefined when it is not one. */
export function parseWatchDuration(value: unknown): number | undefined {
  const match = typeof value === "string" ? DURATION.exec(value) : null;
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}

function partial(value: unknown, at: string, issues: string[]): Partial<WatchSettings> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    issues.push(`${at}: must be an object`);
    return {};
  }
  const out: Partial<WatchSettings> = {};
  for (const [key, v] of Object.entries(value)) {
    const here = `${at}/${key}`;
    switch (key as (typeof KEYS)[number]) {
      case "tolerance":
        if (typeof v === "number" && v >= 0 && v <= 10) out.tolerance = v;
        else issues.push(`${here}: must be a number from 0 to 10 (0.1: 10% worse)`);
        break;
      case "minTruth":
        if (Number.isInteger(v) && (v as number) >= 2 && (v as number) <= 1_000_000)
          out.minTruth = v as number;
        else issues.push(`${here}: must be a whole number from 2`);
        break;
      case "confidence":
        if (typeof v === "number" && v >= 0.5 && v < 1) out.confidence = v;
        else issues.push(`${here}: must be a number from 0.5 to below 1`);
        break;
      case "action":
        if (v === "pull-request" || v === "issue" || v === "none") out.action = v;
        else issues.push(`${here}: must be "pull-request", "issue" or "none"`);
        break;
      case "settle": {
        const ms = parseWatchDuration(v);
        if (ms !== undefined) out.settleMs = ms;
        else issues.push(`${here}: must be a duration like 30m, 6h or 2d`);
        break;
      }
      default:
        issues.push(`${here}: unknown setting (known: ${KEYS.join(", ")})`);
    }
  }
  return out;
}

/**
 * The settings for `model` from lockstep.watch.json's text (undefined: no file, the defaults):
 * `{"defaults": {...}, "models": {"<model>": {...}}}`. Throws MonitorError("WATCH_CONFIG_INVALID")
 * naming every setting that is wrong, so a typo never silently becomes a default.
 */
export function watchSettings(
  text: string | undefined,
  model: string,
  source = WATCH_CONFIG_NAME,
): WatchSettings {
  if (text === undefined) return { ...WATCH_DEFAULTS };
  const fail = (why: string) => new MonitorError("WATCH_CONFIG_INVALID", `${source}: ${why}`);
  if (Buffer.byteLength(text) > MAX_WATCH_CONFIG_BYTES)
    throw fail(`larger than ${MAX_WATCH_CONFIG_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw fail(`not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw fail(`must be an object with "defaults" and "models"`);
  const issues: string[] = [];
  let defaults: Partial<WatchSettings> = {};
  const models: Record<string, Partial<WatchSettings>> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "$schema") continue;
    if (key === "defaults") defaults = partial(v, "/defaults", issues);
    else if (key === "models") {
      if (typeof v !== "object" || v === null || Array.isArray(v)) issues.push(`/models: must be an object`);
      else for (const [m, s] of Object.entries(v)) models[m] = partial(s, `/models/${m}`, issues);
    } else issues.push(`/${key}: unknown key (known: defaults, models)`);
  }
  if (issues.length) throw fail(`not a valid watch config:\n${issues.map((i) => `  ${i}`).join("\n")}`);
  return { ...WATCH_DEFAULTS, ...defaults, ...models[model] };
}
