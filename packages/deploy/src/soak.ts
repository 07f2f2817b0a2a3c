import { DeployError } from "./errors.js";

/** What a promoted environment may require of its source's pin (lockstep.deploy.json's promotionRequires). */
export interface PromotionRequirements {
  /** The least time the source environment must have served the pin: "24h", "3d", "1d12h", "90m". */
  minSoak?: string;
  /** The source environment's latest monitor report must be for this sha256 and healthy. */
  healthyReport?: boolean;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  w: 604_800_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
};
/** Units largest first, each at most once: "1d12h", never "12h1d" or "1h1h". */
export const SOAK_PATTERN =
  "^(?=.)([1-9][0-9]{0,3}w)?([1-9][0-9]{0,3}d)?([1-9][0-9]{0,3}h)?([1-9][0-9]{0,3}m)?([1-9][0-9]{0,3}s)?$";
const SOAK = new RegExp(SOAK_PATTERN);

/** A soak such as "24h" or "1d12h" in milliseconds; DURATION_INVALID names what was expected. */
export function parseSoak(text: string, where = "minSoak"): number {
  const match = typeof text === "string" && text !== "" ? SOAK.exec(text) : null;
  if (!match)
    throw new DeployError(
      "DURATION_INVALID",
      `${where} must be a duration like 24h, 3d, 1d12h or 90m (units w, d, h, m, s, largest first), got ${JSON.stringify(String(text).slice(0, 40))}`,
    );
  let ms = 0;
  for (const part of match.slice(1)) if (part) ms += Number(part.slice(0, -1)) * UNIT_MS[part.at(-1)!]!;
  return ms;
}

/** A duration for people, its largest unit and the next one: "3d 4h", "5h 12m", "3d", "42m", "20s". */
export function formatSoak(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "unknown";
  const units = [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const;
  const seconds = Math.floor(ms / 1000);
  const first = units.findIndex(([, size]) => seconds >= size);
  if (first < 0) return "0s";
  const [unit, size] = units[first]!;
  const next = units[first + 1];
  const rest = next ? Math.floor((seconds % size) / next[1]) : 0;
  return `${Math.floor(seconds / size)}${unit}${next && rest > 0 ? ` ${rest}${next[0]}` : ""}`;
}
