import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "@lockstep/store";
import { startS3Process } from "@lockstep/store/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compareRuns,
  findRun,
  gcRuns,
  indexKey,
  listRuns,
  parseCondition,
  readRun,
  RECONCILE_EVERY_MS,
  recordKey,
  recordRun,
  runRecordFailures,
  walkRuns,
  writeRun,
  type RunStore,
} from "../src/index.js";
import { sampleRun } from "./sample.js";

const credentials = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" };
let s3: Awaited<ReturnType<typeof startS3Process>>;
let dir: string;
beforeAll(async () => {
  s3 = await startS3Process("runs");
  dir = await mkdtemp(join(tmpdir(), "runs-"));
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

let stores = 0;
const kinds: [string, () => RunStore][] = [
  ["file store", () => openStore(join(dir, `store-${++stores}`))],
  [
    "S3 store",
    () =>
      openStore(`s3://runs/p${++stores}`, {
        env: { ...credentials, AWS_ENDPOINT_URL_S3: s3.endpoint },
        cacheDir: join(dir, "cache"),
        listPageSize: 3, // listings cross pages
      }),
  ],
];
const at = (seconds: number) => new Date(Date.UTC(2026, 11, 7, 4, 0, seconds));

describe.each(kinds)("run records on the %s", (_name, makeStore) => {
  it("writes immutable records with an index, and lists, filters and shows them", async () => {
    const store = makeStore();
    for (let n = 0; n < 5; n += 1) await writeRun(store, sampleRun("co2-forecast", n), { now: at(n) });
    const fish = await writeRun(store, sampleRun("fish-classifier", 9, { environment: "production" }), {
      now: at(10),
    });
    expect(fish.uri).toBe(`${store.uri}/${recordKey("fish-classifier", fish.id)}`);
    const all = await listRuns(store);
    expect(all.total).toBe(6);
    expect(all.fromIndex).toBe(6);
    expect(all.fromRecords).toBe(0);
    expect(all.runs.map((r) => r.model)).toEqual(["fish-classifier", ...Array(5).fill("co2-forecast")]);
    const co2 = await listRuns(store, {
      model: "co2-forecast",
      where: [parseCondition("mape_h12<0.1025")],
      sort: { key: "mape_h12", descending: false },
    });
    expect(co2.runs.map((r) => r.metrics.mape_h12)).toEqual([0.1, 0.101, 0.102]);
    expect((await listRuns(store, { environment: "production" })).runs.map((r) => r.id)).toEqual([fish.id]);
    expect((await listRuns(store, { since: at(3) })).runs).toHaveLength(3);
    const shown = await findRun(store, fish.id);
    expect(shown).toMatchObject({
      model: "fish-classifier",
      id: fish.id,
      report: { markdown: "# fish-classifier run 9\n" },
    });
    expect(await readRun(store, "fish-classifier", fish.id)).toEqual(shown);
    await expect(findRun(store, "20991207T045301123Z-3fa9c2")).rejects.toMatchObject({
      code: "RUN_NOT_FOUND",
    });
    await expect(findRun(store, "../../etc/passwd")).rejects.toMatchObject({ code: "RUN_MODEL_INVALID" });
    await expect(findRun(store, "co2-forecast/..")).rejects.toMatchObject({ code: "RUN_ID_INVALID" });
    // the plain walk says the same as the index
    const walked = await walkRuns(store);
    expect(walked.runs).toEqual(all.runs);
  });

  it("finds records an index lacks (lost concurrent updates) and drops ones that are gone", async () => {
    const store = makeStore();
    // eight writers at once: read-modify-write of one index loses some of their entries
    const written = await Promise.all(
      Array.from({ length: 8 }, (_, n) => writeRun(store, sampleRun("btc-signal", n), { now: at(n) })),
    );
    const first = await listRuns(store, { model: "btc-signal", now: () => at(200) });
    expect(first.total).toBe(8);
    expect(first.fromIndex + first.fromRecords).toBe(8);
    expect(first.full).toEqual(["btc-signal"]); // the index had never been compared with every key
    // a record written with no index update at all, and one deleted behind the index's back
    const { report: _report, ...input } = sampleRun("btc-signal", 20);
    const id = "20261207T050000000Z-abcdef";
    const record = { runRecordVersion: 1, id, createdAt: at(100).toISOString(), ...input };
    await store.putNamed(recordKey("btc-signal", id), JSON.stringify(record), "application/json");
    await store.deleteNamed(recordKey("btc-signal", written[0]!.id));
    // a day later less a minute: the keys of the days since an hour before that comparison are compared
    const later = () => new Date(at(200).getTime() + RECONCILE_EVERY_MS - 60_000);
    const second = await listRuns(store, { model: "btc-signal", now: later });
    expect(second.full).toEqual([]);
    expect(second.total).toBe(8);
    expect(second.fromRecords).toBe(1);
    expect(second.stale).toBe(1);
    expect(second.repaired).toEqual(["btc-signal"]);
    const third = await listRuns(store, { model: "btc-signal", now: later });
    expect([third.fromIndex, third.fromRecords, third.stale, third.repaired.length]).toEqual([8, 0, 0, 0]);
    // a record named long before that comparison but put behind the index's back: found by the
    // next full comparison (a day after the last one, or asked for)
    const old = "20261206T000000000Z-abcdef";
    await store.putNamed(
      recordKey("btc-signal", old),
      JSON.stringify({ ...record, id: old }),
      "application/json",
    );
    expect((await listRuns(store, { model: "btc-signal", now: later })).total).toBe(8);
    const full = await listRuns(store, { model: "btc-signal", now: later, full: true });
    expect([full.total, full.fromRecords, full.full.length]).toEqual([9, 1, 1]);
    // that full comparison stands for a day; the next listing after it compares every key again
    const dayAfter = () => new Date(later().getTime() + RECONCILE_EVERY_MS + 60_000);
    await store.deleteNamed(recordKey("btc-signal", old));
    const daily = await listRuns(store, { model: "btc-signal", now: dayAfter });
    expect([daily.total, daily.stale, daily.full.length]).toEqual([8, 1, 1]);
  });

  it("lists every model through runs/models.json, rebuilt by a full listing when it is missing", async () => {
    const store = makeStore();
    await writeRun(store, sampleRun("co2-forecast", 1), { now: at(1) });
    await writeRun(store, sampleRun("fish-classifier", 2), { now: at(2) });
    const first = await listRuns(store, { now: () => at(100) });
    expect(first.runs.map((r) => r.model)).toEqual(["fish-classifier", "co2-forecast"]);
    // a model whose writer could not add it (its index update lost too): found by the daily full listing
    const { report: _r, ...input } = sampleRun("btc-signal", 3);
    const id = "20261207T040500000Z-abcdef";
    await store.putNamed(
      recordKey("btc-signal", id),
      JSON.stringify({ runRecordVersion: 1, id, createdAt: at(300).toISOString(), ...input }),
      "application/json",
    );
    expect((await listRuns(store, { now: () => at(200) })).total).toBe(2);
    // show finds it all the same: not under a model models.json names, so by listing the keys
    expect((await findRun(store, id)).model).toBe("btc-signal");
    expect((await listRuns(store, { now: () => at(200), full: true })).total).toBe(3);
    await store.deleteNamed("runs/models.json");
    expect((await listRuns(store, { now: () => at(200) })).total).toBe(3);
  });

  it("skips and counts malformed and foreign records, and rebuilds a damaged index", async () => {
    const store = makeStore();
    const good = await writeRun(store, sampleRun("co2-forecast", 1), { now: at(1) });
    await store.putNamed(
      recordKey("co2-forecast", "20261207T050000000Z-000001"),
      "{not json",
      "application/json",
    );
    await store.putNamed(
      recordKey("co2-forecast", "20261207T050000000Z-000002"),
      JSON.stringify({ info: { run_id: "mlflow" }, data: { metrics: {} } }),
      "application/json",
    );
    // a record of another model stored under this one's name
    const { report: _r, ...other } = sampleRun("btc-signal", 3);
    await store.putNamed(
      recordKey("co2-forecast", "20261207T050000000Z-000003"),
      JSON.stringify({
        runRecordVersion: 1,
        id: "20261207T050000000Z-000003",
        createdAt: at(5).toISOString(),
        ...other,
      }),
      "application/json",
    );
    await store.putNamed("runs/co2-forecast/notes.txt", "not a record", "text/plain");
    const listing = await listRuns(store);
    expect(listing.runs.map((r) => r.id)).toEqual([good.id]);
    expect(listing.skipped.map((s) => s.key.split("/").pop())).toEqual([
      "20261207T050000000Z-000001.json",
      "20261207T050000000Z-000002.json",
      "20261207T050000000Z-000003.json",
    ]);
    expect(listing.skipped[0]!.reason).toMatch(/not JSON/);
    expect(listing.skipped[2]!.reason).toMatch(/not the record its key names/);
    // the skipped ones are remembered: not read again, still said
    const again = await listRuns(store);
    expect([again.fromRecords, again.skipped.length]).toEqual([0, 3]);
    await expect(findRun(store, "20261207T050000000Z-000002")).rejects.toMatchObject({
      code: "RUN_RECORD_INVALID",
    });
    // a damaged index is a cache: rebuilt from the records
    await store.putNamed(
      indexKey("co2-forecast"),
      '{"runIndexVersion":1,"model":"co2-forecast","entries":"x"}',
      "application/json",
    );
    const rebuilt = await listRuns(store);
    expect(rebuilt.damaged).toEqual([{ model: "co2-forecast", reason: "not a run index of this model" }]);
    expect(rebuilt.runs.map((r) => r.id)).toEqual([good.id]);
    expect(rebuilt.skipped).toHaveLength(3);
  });

  it("compares runs side by side, marking what differs", async () => {
    const store = makeStore();
    const a = await writeRun(store, sampleRun("co2-forecast", 1), { now: at(1) });
    const b = await writeRun(store, sampleRun("co2-forecast", 2), { now: at(2) });
    const comparison = compareRuns([await findRun(store, a.id), await findRun(store, b.id)]);
    const row = (section: string, name: string) =>
      comparison.rows.find((r) => r.section === section && r.name === name);
    expect(row("params", "epochs")).toEqual({
      section: "params",
      name: "epochs",
      values: ["3", "4"],
      differs: true,
    });
    expect(row("params", "seed")).toMatchObject({ values: ["7", "7"], differs: false });
    expect(row("chosen", "units")).toMatchObject({ differs: false });
    expect(row("metrics", "mape_h12")).toMatchObject({ values: ["0.101", "0.102"], differs: true });
    expect(row("run", "gate")).toMatchObject({
      values: ["fails (mape_h12)", "passes (mape_h12)"],
      differs: true,
    });
  });

  it("collects all but the newest N runs of each model, never a pinned one", async () => {
    const store = makeStore();
    const runs = [];
    for (let n = 0; n < 6; n += 1)
      runs.push(await writeRun(store, sampleRun("co2-forecast", n), { now: at(n) }));
    const big = sampleRun("co2-forecast", 6, { report: "x".repeat(300 * 1024) });
    runs.push(await writeRun(store, big, { now: at(0) })); // oldest by time: its report is stored beside it
    const bigRecord = await readRun(store, "co2-forecast", runs[6]!.id);
    expect(bigRecord.report?.uri).toBe(`${store.uri}/reports/runs/co2-forecast/${runs[6]!.id}.md`);
    const pinned = new Set([sampleRun("co2-forecast", 1).artifact.sha256]);
    const dry = await gcRuns(store, { keep: 2, pinned, dryRun: true });
    expect(dry.deleted).toHaveLength(4);
    expect((await listRuns(store)).total).toBe(7);
    const result = await gcRuns(store, { keep: 2, pinned });
    expect(result.kept).toBe(2);
    expect(result.pinned.map((r) => r.id)).toEqual([runs[1]!.id]);
    expect(result.deleted.map((r) => r.id).sort()).toEqual(
      [runs[0]!.id, runs[2]!.id, runs[3]!.id, runs[6]!.id].sort(),
    );
    const left = await listRuns(store);
    expect(left.runs.map((r) => r.id)).toEqual([runs[5]!.id, runs[4]!.id, runs[1]!.id]);
    expect([left.fromRecords, left.stale]).toEqual([0, 0]);
    expect(await store.getNamed(`reports/runs/co2-forecast/${runs[6]!.id}.md`)).toBeUndefined();
    await expect(gcRuns(store, { keep: -1, pinned })).rejects.toMatchObject({ code: "RUN_GC_INVALID" });
  });
});

describe("recording from a training path", () => {
  it("never throws: a record that cannot be written is warned and counted", async () => {
    const root = join(dir, "not-a-dir");
    await writeFile(root, "a file where the store should be");
    const warnings: string[] = [];
    const before = runRecordFailures();
    const outcome = await recordRun(openStore(root), sampleRun("co2-forecast", 1), (m) => warnings.push(m));
    expect(outcome).toMatchObject({ ok: false, failures: before + 1 });
    expect(runRecordFailures()).toBe(before + 1);
    expect(warnings[0]).toMatch(/run record not written \(\d+ so far in this process\)/);
    // a store that cannot even be opened counts the same
    const thrown = await recordRun(
      () => openStore("ftp://x"),
      sampleRun("co2-forecast", 1),
      (m) => warnings.push(m),
    );
    expect(thrown).toMatchObject({ ok: false });
    expect(runRecordFailures()).toBe(before + 2);
    // and an invalid record is refused before anything is written
    const bad = await recordRun(openStore(join(dir, "ok")), {
      ...sampleRun("co2-forecast", 1),
      metrics: { m: Number.NaN },
    });
    expect(bad).toMatchObject({ ok: false });
  });
});
