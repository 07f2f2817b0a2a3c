import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSnapshot, resolveNpmUri, snapshotData } from "@lockstep/data";
import { openStore } from "@lockstep/store";
import { btcSignal, fishClassifier } from "../src/index.js";

const log = () => {};

describe("loaders read a snapshot's copy under the source's name", () => {
  it("fish-classifier: the sample folder from its snapshot lists the same classes and images, named as the source", async () => {
    const dir = await mkdtemp(join(tmpdir(), "models-snapshot-"));
    const store = openStore(`file://${join(dir, "store")}`);
    const uri = fishClassifier.defaultData;
    const taken = await snapshotData(store, uri);
    if ("skipped" in taken) throw new Error(taken.skipped);
    const copy = join(dir, "copy");
    await readSnapshot(store, `sha256:${taken.sha256}`, copy);
    const source = await fishClassifier.loadData(uri, { log });
    const fromSnapshot = await fishClassifier.loadData(uri, { log, dataPath: copy });
    expect(fromSnapshot.source).toBe(uri);
    expect(fromSnapshot.root).toBe(copy);
    expect(fromSnapshot.classes).toEqual(source.classes);
    const shape = (f: typeof source) => f.items.map((i) => [i.file, i.label]);
    expect(shape(fromSnapshot)).toEqual(shape(source));
    const first = fromSnapshot.items[0]!;
    expect(await fromSnapshot.read(first)).toEqual(await source.read(source.items[0]!));
    // the shipped MANIFEST.sha256 came along and is still checked on the copy
    await writeFile(first.path, Buffer.from("altered"));
    await expect(fromSnapshot.read(first)).rejects.toThrow(/MANIFEST|sha256/i);
  });

  it("btc-signal: a klines URI with a snapshot's copy reads the copy, and fetches nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "models-snapshot-"));
    const csv = join(dir, "candles.csv");
    await writeFile(csv, await readFile(resolveNpmUri(btcSignal.defaultData)));
    const uri = "klines+https://127.0.0.1:9/api/v3/klines?symbol=BTCUSDT&interval=4h";
    const series = await btcSignal.loadData(uri, { log, dataPath: csv });
    expect(series.source).toBe(uri);
    expect(series.candles.length).toBeGreaterThan(1000);
  });
});
