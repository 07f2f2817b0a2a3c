import type { Output } from "../src/index.js";

/** An Output that records what the CLI printed. */
export function capture(): Output & {
  stdout: string[];
  stderr: string[];
  text: () => string;
  errors: () => string;
} {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    text: () => stdout.join("\n"),
    errors: () => stderr.join("\n"),
    result: (t) => stdout.push(t),
    json: (v) => stdout.push(JSON.stringify(v)),
    progress: (m) => stderr.push(m),
    warn: (m) => stderr.push(`warning: ${m}`),
    error: (m) => stderr.push(m),
  };
}
