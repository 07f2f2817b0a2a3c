// Listing and filtering 10,000 run records: through each model's index (one listing of the keys,
// one read of the index) beside a plain walk (the same listing, then a read of every record), on
// the file store and on the loopback S3 (s3rver in its own process).
//   npm run bench:runs        (RUNS_BENCH_COUNT=1000 for a quick look)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  listRuns,
  mapLimit,
  parseCondition,
  recordKey,
  RUN_RECORD_VERSION,
  walkRuns,
  writeRun,
  type RunInput,
  type RunStore,
} from "@lockstep/runs";
import { openStore } from "@lockstep/store";
import { startS3Process } from "@lockstep/store/testing";

const COUNT = Number(process.env.RUNS_BENCH_COUNT ?? 10_000);
const MODEL = "co2-forecast";
const hex = (n: number) => n.toString(16).padStart(64, "0");
const filter = {
  model: MODEL,
  where: [parseCondition("mape_h12<0.11")],
  sort: { key: "mape_h12", descending: false },
};

/** What training would record for run n. */
function input(n: number): RunInput {
  return {
    model: MODEL,
    kind: "train",
    environment: n % 5 === 0 ? "production" : "staging",
    params: {
      asked: {
        windows: [60, 120],
        degrees: [1],
        harmonics: [2, 4],
        units: 4 + (n % 8),
        epochs: 2 + (n % 30),
        seed: n,
      },
      chosen: { structures: [{ window: 60, degree: 1, harmonics: 4, halfLife: 0 }] },
      seed: n,
    },
    metrics: Object.fromEntries(
      [
        "mape_h12",
        "rmse_h12",
        "mase_h12",
        "mape_h24",
        "rmse_h24",
        "mase_h24",
        "interval_coverage_h12",
        "interval_coverage_h24",
      ].map((name, i) => [name, Number((0.08 + ((n * (i + 7)) % 97) / 1000).toFixed(6))]),
    ),
    timings: { backtest: 5.1, "final model": 1.2, total: 7.2 },
    data: { uri: "npm:vega-datasets/data/co2-concentration.csv", sha256: hex(1), rows: 746 },
    source: {
      commit: "a".repeat(40),
      runUrl: `https://github.com/o/r/actions/runs/${n}`,
      runner: "GitHub Actions 3 (Linux/X64)",
    },
    artifact: { sha256: hex(10_000 + n), bytes: 33_560, uri: `s3://bucket/models/sha256/${hex(10_000 + n)}` },
    trainer: { name: "lockstep/co2-forecast lstm-residual", version: "5" },
    gate: {
      metric: "mape_h12",
      goal: "minimize",
      better: n % 7 === 0,
      reason: "candidate 0.105 vs pinned 0.104: not better by 0",
      candidate: 0.105,
    },
    report: `# co2-forecast training report\n\n${"A line of the report. ".repeat(60)}\n`,
  };
}

const NOW = Date.now();

/**
 * Run n's record as its writer stores it (about 3 KB, a short report inline): one a minute until two
 * hours ago; n past COUNT, in the last minutes (the runs a quick listing compares).
 */
function record(n: number) {
  const created = new Date(
    n < COUNT ? NOW - 2 * 3600_000 - (COUNT - n) * 60_000 : NOW - 600_000 + (n - COUNT) * 1000,
  );
  const iso = created.toISOString();
  const id = `${iso.slice(0, 10).replaceAll("-", "")}T${iso.slice(11, 23).replace(/[:.]/g, "")}Z-${n.toString(16).padStart(6, "0")}`;
  const { report, ...rest } = input(n);
  return {
    id,
    body: JSON.stringify(
      {
        runRecordVersion: RUN_RECORD_VERSION,
        id,
        createdAt: created.toISOString(),
        ...rest,
        report: { markdown: report },
      },
      null,
      2,
    ),
  };
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

async function median(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await time(fn)).ms);
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

async function benchStore(name: string, store: RunStore): Promise<string[]> {
  const fill = await time(() =>
    mapLimit(
      Array.from({ length: COUNT }, (_, n) => n),
      32,
      async (n) => {
        const { id, body } = record(n);
        await store.putNamed(recordKey(MODEL, id), body, "application/json");
      },
    ),
  );
  // the first listing finds no index: it reads every record and writes the index
  const first = await time(() => listRuns(store, filter));
  if (first.value.fromRecords !== COUNT)
    throw new Error(`expected ${COUNT} records read, got ${first.value.fromRecords}`);
  const indexed = await listRuns(store, filter);
  const walked = await walkRuns(store, filter);
  if (JSON.stringify(indexed.runs) !== JSON.stringify(walked.runs))
    throw new Error("the index and the walk disagree");
  const index = await median(() => listRuns(store, filter), 5);
  const full = await median(() => listRuns(store, { ...filter, full: true }), 3);
  const walk = await median(() => walkRuns(store, filter), 3);
  // one training's write now: its record, then the index read, merged and written back
  const write = await median(() => writeRun(store, input(COUNT)), 3);
  // 100 records the index lacks (lost concurrent updates): found by the listing diff
  await mapLimit(
    Array.from({ length: 100 }, (_, n) => COUNT + 10 + n),
    32,
    async (n) => {
      const { id, body } = record(n);
      await store.putNamed(recordKey(MODEL, id), body, "application/json");
    },
  );
  const healed = await time(() => listRuns(store, filter));
  const ratio = (walk / index).toFixed(1);
  console.log(
    `| ${name} | ${COUNT} | ${indexed.runs.length} | **${index.toFixed(0)}** | ${full.toFixed(0)} | ${walk.toFixed(0)} | ${ratio}x | ${first.ms.toFixed(0)} | ${healed.ms.toFixed(0)} (${healed.value.fromRecords} read) | ${write.toFixed(0)} | ${(fill.ms / 1000).toFixed(1)} s |`,
  );
  return [name, index.toFixed(0), walk.toFixed(0), ratio];
}

export async function runsBench(): Promise<void> {
  console.log(`## lockstep runs list: ${COUNT} records, through the index beside a plain walk\n`);
  console.log(`filter: ${MODEL}, --where 'mape_h12<0.11', --sort mape_h12\n`);
  console.log(
    "| store | records | matching | index ms (median of 5) | index, every key compared ms (median of 3; once a day) | walk ms (median of 3) | walk / index | first listing, index rebuilt ms | with 100 missing from the index ms | one write (record + index) ms | filling the store |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const dir = await mkdtemp(join(tmpdir(), "lockstep-bench-runs-"));
  const s3 = await startS3Process("runs");
  try {
    await benchStore("file", openStore(join(dir, "store")));
    await benchStore(
      "S3 (s3rver, loopback)",
      openStore("s3://runs/lockstep", {
        env: {
          AWS_ACCESS_KEY_ID: "S3RVER",
          AWS_SECRET_ACCESS_KEY: "S3RVER",
          AWS_REGION: "us-east-1",
          AWS_ENDPOINT_URL_S3: s3.endpoint,
        },
        cacheDir: join(dir, "cache"),
      }),
    );
  } finally {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runsBench();
