import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  JsonLinesSink,
  parseRecordLine,
  PredictionLog,
  type PredictionRecord,
  type PredictionSink,
  batchLines,
  type LineBatch,
} from "../src/index.js";
import { record } from "./fixtures.js";

/** A sink that is down until told otherwise, or slow, and remembers what it got. */
class TestSink implements PredictionSink {
  readonly name = "test";
  down = false;
  delayMs = 0;
  /** Turns of the event loop a write takes (a file's write comes back on a later turn). */
  turns = 0;
  got: PredictionRecord[] = [];
  attempts = 0;
  encode(record: PredictionRecord) {
    return JSON.stringify(record);
  }
  async write(batch: LineBatch) {
    const lines = batchLines(batch);
    this.attempts++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    for (let t = 0; t < this.turns; t++) await new Promise((r) => setImmediate(r));
    if (this.down) throw new Error("connection refused");
    this.got.push(...lines.map((l) => JSON.parse(l) as PredictionRecord));
  }
  async close() {}
}

const many = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => record({ requestId: `r${from + i}` }));

describe("the prediction log", () => {
  it("writes what it is given, in order, in batches", async () => {
    const sink = new TestSink();
    const log = new PredictionLog({ sink, batchSize: 3, flushMs: 10_000 });
    for (const r of many(7)) log.record(r);
    await log.flush();
    expect(sink.got.map((r) => r.requestId)).toEqual(many(7).map((r) => r.requestId));
    expect(sink.attempts).toBe(3);
    await log.close();
  });

  it("keeps writing a steady flow through many of its queue's chunks, each record once", async () => {
    const sink = new TestSink();
    const log = new PredictionLog({ sink, batchSize: 100, flushMs: 5 });
    const records = Array.from({ length: 3000 }, (_, i) =>
      record({ requestId: `s${i}`, features: { pad: "p".repeat(500) } }),
    );
    for (let i = 0; i < records.length; i += 250) {
      for (const r of records.slice(i, i + 250)) log.record(r);
      await new Promise((r) => setTimeout(r, 2));
    }
    await log.close();
    expect(sink.got.map((r) => r.requestId)).toEqual(records.map((r) => r.requestId));
    expect([log.written, log.dropped, log.depth]).toEqual([3000, 0, 0]);
  });

  it("never waits for a down sink: it keeps the newest records up to its bound, counts the rest and catches up when the sink is back", async () => {
    const sink = new TestSink();
    sink.down = true;
    const dropped: number[] = [];
    const errors: string[] = [];
    const log = new PredictionLog({
      sink,
      maxQueue: 5,
      flushMs: 5,
      maxBackoffMs: 20,
      onDrop: (n) => dropped.push(n),
      onError: (e) => errors.push((e as Error).message),
    });
    // record() is synchronous: with the sink down, the queue is already bounded when it returns
    for (const r of many(12)) log.record(r);
    expect(log.depth).toBe(5);
    expect(log.dropped).toBe(7);
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(7);
    await new Promise((r) => setTimeout(r, 50));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBe("connection refused");
    sink.down = false;
    for (let i = 0; i < 50 && sink.got.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sink.got.map((r) => r.requestId)).toEqual(["r7", "r8", "r9", "r10", "r11"]);
    await log.close();
  });

  it("drops none of a batch being written when the queue overflows meanwhile", async () => {
    const sink = new TestSink();
    sink.delayMs = 30;
    const log = new PredictionLog({ sink, maxQueue: 4, batchSize: 4, flushMs: 10_000 });
    for (const r of many(4)) log.record(r);
    const flushing = log.flush();
    for (const r of many(6, 4)) log.record(r);
    await flushing;
    await log.flush();
    expect(log.dropped).toBe(2);
    expect(sink.got.map((r) => r.requestId)).toEqual(["r0", "r1", "r2", "r3", "r6", "r7", "r8", "r9"]);
    await log.close();
  });

  it("writes a full batch at once, without waiting for the flush interval", async () => {
    const sink = new TestSink();
    const log = new PredictionLog({ sink, batchSize: 3, flushMs: 10_000 });
    for (const r of many(2)) log.record(r);
    await new Promise((r) => setTimeout(r, 20));
    expect(sink.attempts).toBe(0);
    log.record(many(1, 2)[0]!);
    for (let i = 0; i < 50 && sink.got.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(sink.got.map((r) => r.requestId)).toEqual(["r0", "r1", "r2"]);
    await log.close();
  });

  it("writes a steady flow in full batches, not a few lines per write as they come", async () => {
    const sink = new TestSink();
    sink.turns = 2;
    const log = new PredictionLog({ sink, batchSize: 100, flushMs: 10_000 });
    const records = many(2000);
    // ten records a turn of the event loop while each write takes a turn or two
    for (let i = 0; i < records.length; i += 10) {
      for (const r of records.slice(i, i + 10)) log.record(r);
      await new Promise((r) => setImmediate(r));
    }
    const beforeClose = sink.attempts;
    await log.close();
    expect(sink.got.map((r) => r.requestId)).toEqual(records.map((r) => r.requestId));
    expect(beforeClose).toBeLessThanOrEqual(20);
    expect(sink.attempts).toBeLessThanOrEqual(21);
  });

  it("logs a sampled share of predictions", async () => {
    const sink = new TestSink();
    let n = 0;
    const log = new PredictionLog({ sink, sampleRate: 0.25, random: () => (n++ % 4) / 4, flushMs: 10_000 });
    for (const r of many(40)) log.record(r);
    await log.close();
    expect(sink.got.length).toBe(10);
  });

  it("takes nothing after close", async () => {
    const sink = new TestSink();
    const log = new PredictionLog({ sink, flushMs: 10_000 });
    await log.close();
    log.record(record());
    expect(log.depth).toBe(0);
  });
});

describe("the JSON Lines sink", () => {
  it("appends records to one file per UTC day", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "lockstep-log-")), "predictions");
    const sink = new JsonLinesSink(dir);
    const log = new PredictionLog({ sink, flushMs: 10_000 });
    log.record(record({ time: "2026-12-04T23:59:59.999Z", requestId: "late" }));
    log.record(record({ time: "2026-12-05T00:00:00.000Z", requestId: "early" }));
    await log.flush();
    log.record(record({ time: "2026-12-05T08:00:00Z", requestId: "later" }));
    await log.close();
    expect((await readdir(dir)).sort()).toEqual([
      "predictions-2026-12-04.jsonl",
      "predictions-2026-12-05.jsonl",
    ]);
    const lines = (await readFile(join(dir, "predictions-2026-12-05.jsonl"), "utf8")).trim().split("\n");
    expect(lines.map((l) => parseRecordLine(l).requestId)).toEqual(["early", "later"]);
  });

  it("fails a write it cannot make (the log retries it), without losing the records", async () => {
    const base = await mkdtemp(join(tmpdir(), "lockstep-log-"));
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(base, "taken"), "a file where the directory should be");
    const errors: unknown[] = [];
    const log = new PredictionLog({
      sink: new JsonLinesSink(join(base, "taken")),
      flushMs: 10_000,
      onError: (e) => errors.push(e),
    });
    log.record(record());
    await log.flush();
    expect(errors).toHaveLength(1);
    expect(log.depth).toBe(1);
  });
});
