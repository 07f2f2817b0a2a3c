import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { emptyLock } from "@lockstep/lockfile";
import { requestLogger } from "../src/middleware/observe.js";
import { startServer } from "./fixture.js";

const LOGGER = resolve(import.meta.dirname, "../src/logger.ts");

/**
 * Runs a script that logs with serverLogger; collects its stdout lines in order. `mark()` in the
 * script writes a MARK line straight to the same stdout (synchronously), so a log line's place
 * before or after it says whether the logger had written it by then.
 */
function runLogging(body: string): Promise<{ lines: { msg: string }[]; code: number | null }> {
  const script = `import { writeSync } from "node:fs";\nimport { serverLogger } from ${JSON.stringify(LOGGER)};\nconst mark = () => writeSync(1, '{"msg":"MARK"}\\n');\n${body}`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: { msg: string }[] = [];
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    for (const line of parts) lines.push({ msg: (JSON.parse(line) as { msg: string }).msg });
  });
  return new Promise((done) => child.once("close", (code) => done({ lines, code })));
}

describe("serverLogger", () => {
  it("writes lines gathered in its buffer on exit, fatal ones included", async () => {
    const { lines, code } = await runLogging(`
      const log = serverLogger({ bufferBytes: 16_000, flushMs: 60_000 });
      for (let i = 0; i < 100; i++) log.info("line " + i);
      log.fatal("cannot start");
      process.exit(1);
    `);
    expect(code).toBe(1);
    expect(lines.map((l) => l.msg)).toEqual([
      ...Array.from({ length: 100 }, (_, i) => `line ${i}`),
      "cannot start",
    ]);
  });

  it("flushes a lone line within flushMs while the process runs on", async () => {
    const { lines } = await runLogging(`
      const log = serverLogger({ flushMs: 50 });
      log.info("listening");
      setTimeout(() => { mark(); process.exit(0); }, 600);
    `);
    expect(lines.map((l) => l.msg)).toEqual(["listening", "MARK"]);
  });

  it("holds a lone line until exit when the flush interval is longer than the run (the check can fail)", async () => {
    const { lines } = await runLogging(`
      const log = serverLogger({ flushMs: 60_000 });
      log.info("listening");
      setTimeout(() => { mark(); process.exit(0); }, 600);
    `);
    expect(lines.map((l) => l.msg)).toEqual(["MARK", "listening"]);
  });

  it("refuses a buffer sonic-boom cannot hold", async () => {
    const { serverLogger } = await import("../src/logger.js");
    expect(() => serverLogger({ bufferBytes: 1 << 20 })).toThrow(
      /bufferBytes must be an integer from 0 to 16383/,
    );
    expect(() => serverLogger({ bufferBytes: -1 })).toThrow(RangeError);
  });

  it("with bufferBytes 0 writes each line at once, whatever flushMs", async () => {
    const { lines } = await runLogging(`
      const log = serverLogger({ bufferBytes: 0, flushMs: 60_000 });
      log.info("listening");
      mark();
      process.exit(0);
    `);
    expect(lines.map((l) => l.msg)).toEqual(["listening", "MARK"]);
  });
});

describe("request logging", () => {
  it("names the request in its access line, the client's X-Request-Id when sane", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
    const started = await startServer(emptyLock(), process.cwd(), { logger });
    const answer = await fetch(`${started.url}/no/such/route`, { headers: { "X-Request-Id": "req-42" } });
    expect(answer.status).toBe(404);
    expect(answer.headers.get("x-request-id")).toBe("req-42");
    await started.server.close();
    const access = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "request");
    expect(access).toMatchObject({ reqId: "req-42", method: "GET", path: "/no/such/route", status: 404 });
  });

  it("binds the request id to the child logger on first use only", () => {
    const lines: string[] = [];
    const baseLog = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
    const state: Parameters<typeof requestLogger>[0] = { requestId: "r-1", baseLog };
    expect(state.log).toBeUndefined();
    const child = requestLogger(state)!;
    expect(requestLogger(state)).toBe(child);
    child.warn("odd");
    expect(JSON.parse(lines[0]!)).toMatchObject({ reqId: "r-1", msg: "odd" });
    expect(requestLogger({})).toBeUndefined();
  });
});
