import { randomBytes } from "node:crypto";
import { RunsError, shown } from "./errors.js";

/** A run id: its UTC time to the millisecond, then random hex; sorts by time as text. */
export const RUN_ID = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;
/** A model name as the lock has them: lowercase letters, digits and dashes. */
export const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A new run id, e.g. 20261207T045301123Z-3fa9c2 (time-sortable; only [0-9TZa-f-]). */
export function newRunId(
  now: Date = new Date(),
  random: () => string = () => randomBytes(3).toString("hex"),
) {
  const iso = now.toISOString(); // 2026-12-07T04:53:01.123Z
  return `${iso.slice(0, 10).replaceAll("-", "")}T${iso.slice(11, 23).replace(/[:.]/g, "")}Z-${random()}`;
}

/** The time a run id names (its creation, to the millisecond). */
export function runIdTime(id: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(id);
  if (!m) throw new RunsError("RUN_ID_INVALID", `not a run id: ${shown(id)}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
}

export function assertRunId(id: unknown): string {
  if (typeof id !== "string" || !RUN_ID.test(id))
    throw new RunsError(
      "RUN_ID_INVALID",
      `not a run id: ${shown(id)} (expected e.g. 20261207T045301123Z-3fa9c2, as \`lockstep runs list\` prints)`,
    );
  return id;
}

export function assertModelName(model: unknown): string {
  if (typeof model !== "string" || !MODEL_NAME.test(model))
    throw new RunsError(
      "RUN_MODEL_INVALID",
      `not a model name: ${shown(model)} (lowercase letters, digits and dashes, at most 63)`,
    );
  return model;
}

/** A run as given on the command line: `ID` or `MODEL/ID`. */
export function parseRunRef(ref: string): { model?: string; id: string } {
  if (typeof ref !== "string" || ref.length > 200)
    throw new RunsError("RUN_ID_INVALID", `not a run id: ${shown(ref)}`);
  const slash = ref.indexOf("/");
  if (slash < 0) return { id: assertRunId(ref) };
  return { model: assertModelName(ref.slice(0, slash)), id: assertRunId(ref.slice(slash + 1)) };
}

export const RUNS_PREFIX = "runs/";
export const recordKey = (model: string, id: string) =>
  `${RUNS_PREFIX}${assertModelName(model)}/${assertRunId(id)}.json`;
export const indexKey = (model: string) => `${RUNS_PREFIX}${assertModelName(model)}/index.json`;
/** Where a report too large to keep inside its record is stored. */
export const reportKey = (model: string, id: string) =>
  `reports/runs/${assertModelName(model)}/${assertRunId(id)}.md`;

/** What a key under runs/ is: a record, a model's index, or something else (foreign). */
export function parseRunKey(
  key: string,
): { kind: "record"; model: string; id: string } | { kind: "index"; model: string } | { kind: "foreign" } {
  const m = /^runs\/([^/]+)\/([^/]+)$/.exec(key);
  if (!m || !MODEL_NAME.test(m[1]!)) return { kind: "foreign" };
  if (m[2] === "index.json") return { kind: "index", model: m[1]! };
  const id = m[2]!.endsWith(".json") ? m[2]!.slice(0, -5) : "";
  return RUN_ID.test(id) ? { kind: "record", model: m[1]!, id } : { kind: "foreign" };
}
