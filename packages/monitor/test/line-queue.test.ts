import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appendByDay, batchLines, batchOf, CHUNK_BYTES, dailyFileName, LineQueue } from "../src/index.js";

const line = (day: string, i: number, pad = 0) =>
  `{"time":"${day}T00:00:00.000Z","requestId":"r${i}","note":"é✓😀${"x".repeat(pad)}"}`;
const bytes = (text: string) => Buffer.byteLength(text) + 1;

describe("the log's line queue", () => {
  it("hands back what it was given, in order, as newline-terminated UTF-8, across chunks", () => {
    const queue = new LineQueue();
    // ~2.5 chunks of lines, one line longer than a chunk, multi-byte characters throughout
    const lines = Array.from({ length: 2000 }, (_, i) =>
      line("2026-12-07", i, i === 700 ? CHUNK_BYTES : 300),
    );
    for (const l of lines) expect(queue.push(l)).toBe(bytes(l));
    expect(queue.lines).toBe(2000);
    expect(queue.bytes).toBe(lines.reduce((n, l) => n + bytes(l), 0));
    const first = queue.take(650);
    expect(first.lines).toBe(650);
    expect(batchLines(first)).toEqual(lines.slice(0, 650));
    expect(first.bytes).toBe(first.pieces.reduce((n, p) => n + p.length, 0));
    const rest = queue.take(Number.POSITIVE_INFINITY);
    expect(batchLines(rest)).toEqual(lines.slice(650));
    expect(rest.pieces.length).toBeGreaterThan(2);
    for (const piece of rest.pieces) expect(piece.at(-1)).toBe(10);
    expect([queue.lines, queue.bytes]).toEqual([0, 0]);
    // a batch still in flight keeps its bytes while new lines are queued after it
    queue.push("next");
    expect(batchLines(first)).toEqual(lines.slice(0, 650));
    expect(batchLines(queue.take(10))).toEqual(["next"]);
  });

  it("keeps taking after its last chunk was emptied and a new one begun", () => {
    const queue = new LineQueue();
    const big = "y".repeat(CHUNK_BYTES / 2);
    queue.push("a");
    expect(batchLines(queue.take(10))).toEqual(["a"]);
    for (let round = 0; round < 4; round++) {
      queue.push(big);
      queue.push(`${round}`);
      expect(queue.dropOldest(1)).toBe(1);
      expect(batchLines(queue.take(10))).toEqual([`${round}`]);
      expect([queue.lines, queue.bytes]).toEqual([0, 0]);
    }
  });

  it("takes within a byte limit, at least one line", () => {
    const queue = new LineQueue();
    for (let i = 0; i < 10; i++) queue.push("x".repeat(99)); // 100 bytes each
    expect(queue.take(100, 350).lines).toBe(3);
    expect(queue.take(100, 10).lines).toBe(1);
    expect(queue.take(2, 1e9).lines).toBe(2);
    expect(queue.lines).toBe(4);
    expect(queue.bytes).toBe(400);
  });

  it("drops the oldest, counting lines and bytes", () => {
    const queue = new LineQueue();
    const lines = Array.from({ length: 5 }, (_, i) => line("2026-12-07", i));
    for (const l of lines) queue.push(l);
    const all = queue.bytes;
    expect(queue.linesOver(all)).toBe(0);
    expect(queue.linesOver(all - 1)).toBe(1);
    expect(queue.linesOver(all - bytes(lines[0]!) - 1)).toBe(2);
    expect(queue.linesOver(0)).toBe(5);
    expect(queue.dropOldest(2)).toBe(2);
    expect(queue.dropOldest(0)).toBe(0);
    expect(queue.bytes).toBe(lines.slice(2).reduce((n, l) => n + bytes(l), 0));
    expect(batchLines(queue.take(10))).toEqual(lines.slice(2));
    expect(queue.dropOldest(3)).toBe(0);
  });

  it("puts a failed batch back at the front, before what came meanwhile", () => {
    const queue = new LineQueue();
    for (let i = 0; i < 4; i++) queue.push(`a${i}`);
    const batch = queue.take(3);
    queue.push("b0");
    queue.putBack(batch);
    queue.push("b1");
    expect([queue.lines, queue.bytes]).toEqual([6, 18]);
    expect(queue.dropOldest(1)).toBe(1);
    expect(batchLines(queue.take(100))).toEqual(["a1", "a2", "a3", "b0", "b1"]);
    expect([queue.lines, queue.bytes]).toEqual([0, 0]);
  });
});

describe("appendByDay", () => {
  it("appends a batch to each day's file after what it held, bytes intact, in one piece list per day", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-days-"));
    try {
      const first = join(dir, dailyFileName("2026-12-06"));
      await writeFile(first, `${line("2026-12-06", -1)}\n`);
      const same = Array.from({ length: 900 }, (_, i) => line("2026-12-06", i, 400));
      await appendByDay(dir, batchOf(same), dailyFileName);
      const spanning = [line("2026-12-06", 900), line("2026-12-07", 901), line("2026-12-07", 902)];
      await appendByDay(dir, batchOf(spanning), dailyFileName);
      await appendByDay(dir, batchOf([]), dailyFileName);
      expect(await readFile(first, "utf8")).toBe(
        `${[line("2026-12-06", -1), ...same, spanning[0]].join("\n")}\n`,
      );
      expect(await readFile(join(dir, dailyFileName("2026-12-07")), "utf8")).toBe(
        `${spanning.slice(1).join("\n")}\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
