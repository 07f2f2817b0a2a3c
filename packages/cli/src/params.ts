import { readFileSync } from "node:fs";
import { CliError } from "./errors.js";

const MAX_PARAMS_BYTES = 1024 * 1024;

/** Parses --params: inline JSON, or @path to a JSON file. */
export function parseParamsOption(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  let text = value;
  if (value.startsWith("@")) {
    try {
      text = readFileSync(value.slice(1), "utf8");
    } catch {
      throw new CliError(`cannot read params file ${value.slice(1)}`);
    }
  }
  if (text.length > MAX_PARAMS_BYTES) throw new CliError("--params is larger than 1 MiB");
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new CliError("--params must be a JSON object, e.g. --params '{\"windows\":[60]}'");
    }
    return parsed;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`--params is not valid JSON: ${(error as Error).message}`);
  }
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
