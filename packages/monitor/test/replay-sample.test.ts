import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JsonLinesReplaySink, replayFileName } from "../src/replay-sinks.js";
import { ReplaySample, type OfferedRequest } from "../src/replay-sample.js";
import { readReplaySample } from "../src/read-replay.js";
import { replayLine, type ReplayRecord } from "../src/replay-record.js";
import { batchLines } from "../src/line-queue.js";
import type { PredictionSink } from "../src/prediction-log.js";

const SHA = "a".repeat(64);
const OTHER = "b".repeat(64);
const json = (text: string, over: Partial<OfferedRequest> = {}): OfferedRequest => ({
  model: "co2-forecast",
  version: "3",
  sha256: SHA,
  route: "/v1/models/co2-forecast/predict",
  requestId: `r-${text.length}`,
  kind: "json",
  bytes: Buffer.from(text),
  ...over,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "replay-sample-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const sample = (over: Partial<ConstructorParameters<typeof ReplaySample>[0]> = {}) =>
  new ReplaySample({
    sink: new JsonLinesReplaySink(dir, 14),
    sampleRate: 1,
    maxPerDay: 1000,
    maxBodyBytes: 1024,
    images: false,
    maxQueue: 1000,
    maxQueueBytes: 1024 * 1024,
    flushMs: 60_000,
    ...over,
  });

describe("the replay sample", () => {
  it("writes sampled bodies beside the log, one file per UTC day, and reads them back as requests", async () => {
    const s = sample();
    s.offer(json('{"horizon": 12}'));
    // a pretty-printed body's newlines are JSON whitespace: one line still
    s.offer(json('{\n  "horizon": 3\n}', { requestId: "pretty" }));
    await s.close();
    const files = await readdir(dir);
    expect(files).toEqual([replayFileName(new Date().toISOString())]);
    const read = await readReplaySample(dir, { model: "co2-forecast", sha256: SHA });
    expect(read.requests.map((r) => r.request)).toEqual([{ horizon: 12 }, { horizon: 3 }]);
    expect(read.requests[1]).toMatchObject({ requestId: "pretty", route: "/v1/models/co2-forecast/predict" });
  });

  it("never keeps more than the day's cap per model", async () => {
    const s = sample({ maxPerDay: 5 });
    for (let i = 0; i < 20; i++) s.offer(json(`{"horizon": ${i + 1}}`, { requestId: `co2-${i}` }));
    for (let i = 0; i < 3; i++) s.offer(json(`{}`, { model: "btc-signal", requestId: `btc-${i}` }));
    await s.close();
    expect(s.skipped.capped).toBe(15);
    const co2 = await readReplaySample(dir, { model: "co2-forecast" });
    expect(co2.requests).toHaveLength(5);
    expect(co2.otherModel).toBe(3);
  });

  it("samples by its rate, skips bodies over the cap and images unless they are on", async () => {
    let n = 0;
    const s = sample({ sampleRate: 0.5, random: () => (n++ % 2 === 0 ? 0.1 : 0.9) });
    for (let i = 0; i < 10; i++) s.offer(json(`{"horizon": ${i + 1}}`));
    s.offer(json(`{"history": [${"400,".repeat(400)}400]}`));
    s.offer(json("x", { kind: "image", bytes: new Uint8Array([0xff, 0xd8, 0xff]) }));
    await s.close();
    expect(s.sampled).toBe(5);
    // of the last two offers, one passed the rate: which one depends on the alternation
    expect(s.skipped.oversized + s.skipped.images).toBe(1);
    const images = sample({ images: true, maxBodyBytes: 16 });
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3]);
    images.offer(json("", { kind: "image", bytes: jpeg, model: "fish-classifier", requestId: "img" }));
    images.offer(json("", { kind: "image", bytes: new Uint8Array(17), model: "fish-classifier" }));
    await images.close();
    expect(images.skipped.oversized).toBe(1);
    const read = await readReplaySample(dir, { model: "fish-classifier" });
    expect(read.requests).toHaveLength(1);
    expect(Buffer.from(read.requests[0]!.request as Uint8Array).equals(Buffer.from(jpeg))).toBe(true);
  });

  it("holds at most its bytes while the sink hangs, dropping the oldest (the memory budget)", async () => {
    const lines: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const hanging: PredictionSink<ReplayRecord> = {
      name: "hanging",
      encode: replayLine,
      write: async (batch) => {
        lines.push(...batchLines(batch));
        await gate;
      },
      close: async () => {},
    };
    const s = sample({ sink: hanging, maxQueueBytes: 2000, maxBodyBytes: 500 });
    const body = `{"history": [${"400,".repeat(90)}400]}`; // ~370 characters, ~600 with the names
    for (let i = 0; i < 50; i++) s.offer(json(body, { requestId: `q-${i}` }));
    expect(s.log.dropped).toBeGreaterThan(40);
    const flushing = s.log.flush();
    // the batch going out holds at most a quarter of the bytes allowed (and at least one record)
    const first = lines.join("").length;
    expect(first).toBeLessThanOrEqual(500 + 700);
    release();
    await flushing;
    // all that was held, the newest included, within the bytes allowed
    expect(lines.join("").length).toBeLessThanOrEqual(2000);
    expect(lines.at(-1)).toContain('"q-49"');
  });

  it("deletes the days past its retention", async () => {
    const now = Date.parse("2026-12-07T12:00:00Z");
    for (const day of ["2026-11-20", "2026-11-30", "2026-12-01", "2026-12-07"])
      await writeFile(join(dir, `replay-${day}.jsonl`), "");
    await writeFile(join(dir, "notes.txt"), "kept");
    const sink = new JsonLinesReplaySink(dir, 7, () => now);
    expect((await sink.prune()).sort()).toEqual(["replay-2026-11-20.jsonl", "replay-2026-11-30.jsonl"]);
    expect((await readdir(dir)).sort()).toEqual([
      "notes.txt",
      "replay-2026-12-01.jsonl",
      "replay-2026-12-07.jsonl",
    ]);
  });

  it("skips and counts malformed, oversized and other artifacts' lines", async () => {
    const good = replayLine({
      time: "2026-12-07T10:00:00.000Z",
      requestId: "ok",
      model: "co2-forecast",
      version: "3",
      sha256: SHA,
      route: "/v1/models/co2-forecast/predict",
      kind: "json",
      body: '{"horizon":1}',
    });
    const file = join(dir, "replay-2026-12-07.jsonl");
    await writeFile(
      file,
      [
        good,
        good.replace(SHA, OTHER),
        "not json",
        '{"time":"2026-12-07T10:00:00Z","model":"co2-forecast"}',
        good.replace('"kind":"json"', '"kind":"image"'),
        good.replace('{"horizon":1}', `{"history":[${"1,".repeat(300)}1]}`),
        "",
      ].join("\n"),
    );
    const read = await readReplaySample(file, { model: "co2-forecast", sha256: SHA, maxLineChars: 400 });
    expect(read.requests.map((r) => r.requestId)).toEqual(["ok"]);
    expect(read).toMatchObject({ otherArtifact: 1, invalid: 3, oversized: 1 });
    expect(await readFile(file, "utf8")).toContain("not json");
  });
});
