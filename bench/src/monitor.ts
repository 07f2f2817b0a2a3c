// lockstep monitor's core over a large logged window: 1M co2-forecast predictions (BENCH_ROWS) read
// from JSON Lines and from ClickHouse (when clickhouse-server is installed), tested against a
// reference profile. Prints seconds and rows/s for reading and for testing. Figures only.
//   npm run bench:monitor
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { categoricalProfile, numericProfile } from "@lockstep/ml";
import {
  batchOf,
  ClickHouseSink,
  dailyFileName,
  monitorWindow,
  readPredictionLog,
  type PredictionRecord,
} from "@lockstep/monitor";
import { hasClickHouse, startClickHouse } from "../../packages/monitor/testing/clickhouse-server.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const log = (line: string) => console.error(line);
const sha256 = "c".repeat(64);
let seed = 7;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const gauss = () => Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
const start = Date.parse("2026-12-01T00:00:00Z");
const recordAt = (i: number): PredictionRecord => ({
  time: new Date(start + Math.floor((i / ROWS) * 3 * 86_400_000)).toISOString(),
  requestId: `r${i}`,
  model: "co2-forecast",
  version: "2",
  sha256,
  features: {
    horizon: 12,
    last_value: 420 + gauss(),
    monthly_change: gauss() * 0.8,
    yearly_change: 2.4 + gauss() * 0.3,
  },
  prediction: { forecast_change_h12: 2.5 + gauss() * 0.4, band: rand() < 0.5 ? "low" : "high" },
  latencyMs: 0.5 + rand(),
  cached: false,
});
const profile = {
  features: {
    monthly_change: numericProfile(
      Array.from({ length: 5000 }, () => gauss() * 0.8),
      { bins: 10, resolution: 20 },
    ),
    yearly_change: numericProfile(
      Array.from({ length: 5000 }, () => 2.4 + gauss() * 0.3),
      { bins: 10, resolution: 20 },
    ),
  },
  predictions: {
    forecast_change_h12: numericProfile(
      Array.from({ length: 5000 }, () => 2.5 + gauss() * 0.4),
      { bins: 10, resolution: 20 },
    ),
    band: categoricalProfile(Array.from({ length: 1000 }, (_, i) => (i % 2 ? "low" : "high"))),
  },
};
const pin = { model: "co2-forecast", version: "2", sha256 };

const work = await mkdtemp(join(tmpdir(), "lockstep-bench-monitor-"));
const dir = join(work, "log");
await mkdir(dir);
log(`writing ${ROWS.toLocaleString("en")} records as JSON Lines`);
const files = new Map<string, string[]>();
for (let i = 0; i < ROWS; i++) {
  const r = recordAt(i);
  const file = dailyFileName(r.time);
  let lines = files.get(file);
  if (!lines) files.set(file, (lines = []));
  lines.push(JSON.stringify(r));
  if (lines.length >= 100_000) {
    await writeFile(join(dir, file), `${lines.join("\n")}\n`, { flag: "a" });
    files.set(file, []);
  }
}
for (const [file, lines] of files)
  if (lines.length) await writeFile(join(dir, file), `${lines.join("\n")}\n`, { flag: "a" });

const rows: string[] = [];
async function measure(name: string, uri: string) {
  let t = performance.now();
  const read = await readPredictionLog(uri, {
    model: "co2-forecast",
    sha256,
    progress: (n) => log(`  ${name}: ${n.toLocaleString("en")} rows read`),
  });
  const readS = (performance.now() - t) / 1000;
  t = performance.now();
  const result = monitorWindow(pin, profile, read);
  const testS = (performance.now() - t) / 1000;
  const n = read.records.length;
  rows.push(
    `| ${name} | ${n.toLocaleString("en")} | ${readS.toFixed(2)} | ${(n / readS).toFixed(0)} | ${testS.toFixed(2)} | ${(readS + testS).toFixed(2)} | ${result.status} |`,
  );
}
await measure("JSON Lines", dir);
if (hasClickHouse()) {
  const clickhouse = await startClickHouse();
  try {
    const sink = new ClickHouseSink(`${clickhouse.url}/bench`, { requestTimeoutMs: 300_000 });
    log(`inserting ${ROWS.toLocaleString("en")} records into ClickHouse`);
    for (let i = 0; i < ROWS; i += 50_000)
      await sink.write(
        batchOf(Array.from({ length: Math.min(50_000, ROWS - i) }, (_, k) => sink.encode(recordAt(i + k)))),
      );
    await sink.close();
    await measure("ClickHouse 18.16", `${clickhouse.url}/bench`);
  } finally {
    await clickhouse.stop();
  }
} else log("clickhouse-server is not installed: ClickHouse is left out");
await rm(work, { recursive: true, force: true });
console.log(
  [
    `# lockstep monitor over ${ROWS.toLocaleString("en")} logged predictions (4 columns tested)`,
    "",
    "| log | rows | read s | rows/s read | test s | total s | verdict |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ...rows,
  ].join("\n"),
);
