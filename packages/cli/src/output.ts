/** Where the CLI writes: results to stdout, progress and diagnostics to stderr. */
export interface Output {
  result(text: string): void;
  json(value: unknown): void;
  progress(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A phase of long work starts (the train action opens a log group); optional. */
  phase?(name: string): void;
}

export function consoleOutput(
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Output {
  const started = Date.now();
  return {
    result: (text) => stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    json: (value) => stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    progress: (message) =>
      stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}\n`),
    warn: (message) => stderr.write(`warning: ${message}\n`),
    error: (message) => stderr.write(message.endsWith("\n") ? message : `${message}\n`),
  };
}

/** A plain text table with aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
