import { readFileSync, statSync } from "node:fs";
import { jsonErrorDetail, jsonTextDepth } from "@lockstep/lockfile";
import { CliError } from "./errors.js";

const MAX_PARAMS_BYTES = 1024 * 1024;
/** Params are a flat object of numbers, strings and short lists: deeper is a mistake or an attack. */
const MAX_PARAMS_DEPTH = 8;

/**
 * Training params from JSON text (`what` names where they came from in errors): an object, at most
 * 1 MiB and 8 levels deep, checked before parsing; an error never quotes the text back.
 */
export function parseParamsJson(text: string, what = "--params"): Record<string, unknown> {
  if (Buffer.byteLength(text) > MAX_PARAMS_BYTES) throw new CliError(`${what} is larger than 1 MiB`);
  if (jsonTextDepth(text) > MAX_PARAMS_DEPTH) {
    throw new CliError(`${what} nests deeper than ${MAX_PARAMS_DEPTH} levels`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${jsonErrorDetail(error)}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CliError(`${what} must be a JSON object, e.g. '{"windows":[60]}'`);
  }
  return parsed as Record<string, unknown>;
}

/** Parses --params: inline JSON, or @path to a JSON file. */
export function parseParamsOption(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  let text = value;
  if (value.startsWith("@")) {
    const path = value.slice(1);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      throw new CliError(`cannot read params file ${path}`);
    }
    // the size first: a huge file is refused before it is read
    if (size > MAX_PARAMS_BYTES) throw new CliError("--params is larger than 1 MiB");
    try {
      text = readFileSync(path, "utf8");
    } catch {
      throw new CliError(`cannot read params file ${path}`);
    }
  }
  return parseParamsJson(text);
}

export function parsePort(value: string | undefined, fallback: number): number {
  const text = value ?? String(fallback);
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`port must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

export function parseEnvironment(value: string | undefined): string {
  const env = value ?? "staging";
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(env)) {
    throw new CliError(
      `environment must be a lowercase name like staging or production, got ${JSON.stringify(value)}`,
    );
  }
  return env;
}
