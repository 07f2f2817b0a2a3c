import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sendShiftedCo2, trainedProject } from "@lockstep/inference/testing";
import { writeLock } from "@lockstep/lockfile";
import { batchPredict, co2Forecast, loadPinnedArtifact } from "@lockstep/models";
import { predictionsText } from "../src/commands/monitor-data.js";
import { parseSince, run } from "../src/index.js";
import { capture } from "./capture.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- result.json is read back as a user reads it */
const ROOT = resolve(import.meta.dirname, "../../..");
let dir: string;
let lockFile: string;
let logDir: string;
/** `lockstep monitor co2-forecast` on the trained project's lock, with these arguments. */
const co2Monitor = (...args: string[]) => ["monitor", "co2-forecast", "--lock", lockFile, ...args];

beforeAll(async () => {
  const project = await trainedProject();
  dir = project.dir;
  lockFile = join(dir, "models.lock.json");
  await writeLock(lockFile, project.lock);
  logDir = join(dir, "log");
}, 240_000);

describe("lockstep monitor", () => {
  it("serves co2-forecast, sees shifted inputs move the drift gauge, and exits 1 with a report on the log", async () => {
    const metrics = await sendShiftedCo2(lockFile, logDir);
    const drift = /lockstep_feature_drift\{model="co2-forecast",feature="monthly_change"\} (\S+)/.exec(
      metrics,
    );
    expect(Number(drift![1])).toBeGreaterThan(1);

    const out = capture();
    const outDir = join(dir, "report");
    const result = await run(
      co2Monitor("--log", logDir, "--out", outDir, "--store", "file://published"),
      out,
    );
    expect(result.exitCode).toBe(1);
    expect(out.text()).toMatch(/^# co2-forecast v1: drift/m);
    expect(out.text()).toMatch(/\| monthly_change \| numeric \| ks \| p = 0\.0000/);
    const saved = JSON.parse(await readFile(join(outDir, "result.json"), "utf8")) as {
      status: string;
      window: { records: number };
    };
    expect(saved).toMatchObject({ status: "drift", window: { records: 120 } });
    expect(await readFile(join(outDir, "report.html"), "utf8")).toMatch(
      /<svg[^>]*aria-label="monthly_change/,
    );
    expect(await readFile(join(outDir, "summary.md"), "utf8")).toContain("co2-forecast v1: drift");
    // and published to the store: the run's own folder and latest/
    const published =
      /Published: file:\/\/published\/reports\/monitor\/co2-forecast\/staging\/(\d{8}T\d{6}Z)\//.exec(
        out.text(),
      );
    expect(published).not.toBeNull();
    for (const folder of [published![1]!, "latest"])
      expect(
        JSON.parse(
          await readFile(
            join(dir, "published/reports/monitor/co2-forecast/staging", folder, "result.json"),
            "utf8",
          ),
        ),
      ).toEqual(saved);
  }, 120_000);

  it.each([
    [["monitor", "no-such-model"], /not pinned in "staging"/],
    [["monitor", "co2-forecast", "--env", "production"], /not pinned in "production"/],
    [["monitor", "co2-forecast", "--since", "yesterday"], /--since must be a duration/],
    [["monitor", "co2-forecast", "--drift-share", "2"], /--drift-share must be/],
    [["monitor", "co2-forecast", "--env", "Prod!"], /environment must be a lowercase name/],
    [["monitor", "co2-forecast", "--store", "ftp://example.com/x"], /unsupported store scheme/],
  ])("exits 2 for %j", async (args, message) => {
    const out = capture();
    expect((await run([...args, "--lock", lockFile, "--log", logDir], out)).exitCode).toBe(2);
    expect(out.errors()).toMatch(message);
  });

  it("exits 2 when the log holds nothing of the pin, or is not there", async () => {
    const empty = join(dir, "empty-log");
    await mkdir(empty, { recursive: true });
    const out = capture();
    expect((await run(["monitor", "co2-forecast", "--lock", lockFile, "--log", empty], out)).exitCode).toBe(
      2,
    );
    expect(out.errors()).toMatch(/no predictions of co2-forecast v1/);
    // a scheduled job says so and succeeds: no traffic is not a failure
    const quiet = capture();
    const allowed = ["monitor", "co2-forecast", "--lock", lockFile, "--log", empty, "--allow-empty"];
    expect((await run(allowed, quiet)).exitCode).toBe(0);
    expect(quiet.errors()).toMatch(/no predictions of co2-forecast v1.*nothing to monitor/);
    const missing = capture();
    expect(
      (await run(["monitor", "co2-forecast", "--lock", lockFile, "--log", join(dir, "nope")], missing))
        .exitCode,
    ).toBe(2);
    expect(missing.errors()).toMatch(/is not a folder of prediction logs/);
  });
});

/** The training data and `months` more: each a year after its month plus `growth` ppm, plus `shift`. */
async function extendedCo2(months: number, growth: number, shift = 0): Promise<string> {
  const text = await readFile(join(ROOT, "node_modules/vega-datasets/data/co2-concentration.csv"), "utf8");
  const lines = text.trim().split("\n");
  const series = new Map(
    lines.slice(1).map((line) => {
      const [date, value] = line.split(",");
      return [date!.slice(0, 7), Number(value)] as const;
    }),
  );
  const month = (y: number, m: number) => `${y}-${String(m).padStart(2, "0")}`;
  let [y, m] = [2020, 4];
  const added: string[] = [];
  for (let i = 0; i < months; i++) {
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
    const value = series.get(month(y - 1, m))! + growth;
    series.set(month(y, m), value);
    added.push(`${month(y, m)}-01,${(value + shift).toFixed(2)},0`);
  }
  return `${[...lines, ...added].join("\n")}\n`;
}

describe("lockstep monitor --data", () => {
  it("predicts new months with the pin, writes the predictions, and sets the realised MAPE beside the pinned one", async () => {
    const data = join(dir, "co2-new.csv");
    await writeFile(data, await extendedCo2(30, 2.4));
    const out = capture();
    const outDir = join(dir, "batch");
    const predictions = join(dir, "batch-predictions.csv");
    const result = await run(co2Monitor("--data", data, "--out", outDir, "--predictions", predictions), out);
    const saved = JSON.parse(await readFile(join(outDir, "result.json"), "utf8")) as any;
    expect(saved.source).toBe("data");
    // one origin per month from the end of the training data (2020-04) through the new 30
    expect(saved.window.records).toBe(31);
    expect(saved.realised).toMatchObject({ metric: "mape_h12", goal: "minimize", rows: 30 });
    expect(saved.realised.value).toBeGreaterThan(0);
    expect(saved.realised.pinned).toBe(
      JSON.parse(await readFile(lockFile, "utf8")).models["co2-forecast"].pins.staging.metrics.mape_h12,
    );
    expect(saved.realised.periods.map((p: any) => p.period)).toEqual(["2020", "2021", "2022"]);
    expect(result.exitCode).toBe(saved.status === "healthy" ? 0 : 1);
    const csv = (await readFile(predictions, "utf8")).trim().split("\n");
    expect(csv[0]).toBe("id,time,forecast_change_h12,truth");
    expect(csv).toHaveLength(32);
    expect(csv[1]).toMatch(/^2020-04,2020-04-01T00:00:00.000Z,-?\d/);
    expect(await readFile(join(outDir, "report.html"), "utf8")).toContain(
      'aria-label="realised mape_h12 over time"',
    );
    expect(out.text()).toContain("## Realised mape_h12");
  }, 60_000);

  it("exits 1, degraded, when the months that arrive are far from the forecasts", async () => {
    const data = join(dir, "co2-jump.csv");
    // the history the model reads stays as it was; the 12 months after it arrive 40 ppm higher
    await writeFile(data, await extendedCo2(12, 2.4, 40));
    const out = capture();
    const result = await run(
      co2Monitor("--data", data, "--out", join(dir, "jump"), "--tolerance", "0.5"),
      out,
    );
    expect(result.exitCode).toBe(1);
    const saved = JSON.parse(await readFile(join(dir, "jump", "result.json"), "utf8")) as any;
    expect(saved.realised.degraded).toBe(true);
    expect(saved.realised.value).toBeGreaterThan(5);
    expect(out.text()).toMatch(/\*\*degraded\*\*/);
  }, 60_000);

  it("answers rows as the server would, and counts a row the model refuses without stopping", async () => {
    const lock = JSON.parse(await readFile(lockFile, "utf8"));
    const artifact = await loadPinnedArtifact("co2-forecast", lock.models["co2-forecast"].pins.staging, {
      baseDir: dir,
    });
    const outcome = await batchPredict(co2Forecast.serving, artifact.card, artifact.bytes, [
      { id: "a", request: { horizon: 3 } },
      { id: "b", request: { horizon: "three" } },
      { id: "c", request: async () => ({ horizon: 2 }), truth: { actual: [1, 2] } },
    ]);
    expect(outcome.predictions.map((p) => p.id)).toEqual(["a", "c"]);
    expect((outcome.predictions[0]!.answer.forecast as unknown[]).length).toBe(3);
    expect(outcome.predictions[1]!.truth).toEqual({ actual: [1, 2] });
    expect(outcome.predictions[0]!.features).toHaveProperty("monthly_change");
    expect(outcome.refusedCount).toBe(1);
    expect(outcome.refused[0]).toMatchObject({ id: "b", message: expect.stringContaining("horizon") });
  });

  it.each([
    [["--data", "nope.csv"], /nope\.csv/],
    [["--data", "x.csv", "--log", "y"], /give one of them/],
    [["--data", "x.csv", "--tolerance", "lots"], /--tolerance must be/],
  ])("exits 2 for %j", async (args, message) => {
    const out = capture();
    expect((await run(["monitor", "co2-forecast", "--lock", lockFile, ...args], out)).exitCode).toBe(2);
    expect(out.errors()).toMatch(message);
  });

  it("exits 2 on data that is not a series, and on data with nothing after the training data", async () => {
    const broken = join(dir, "broken.csv");
    await writeFile(broken, "<html>\nnot a csv</html>\n");
    const out = capture();
    expect((await run(["monitor", "co2-forecast", "--lock", lockFile, "--data", broken], out)).exitCode).toBe(
      2,
    );
    expect(out.errors()).toMatch(/unrecognised header/);
    const old = join(dir, "old.csv");
    const text = await readFile(join(ROOT, "node_modules/vega-datasets/data/co2-concentration.csv"), "utf8");
    await writeFile(old, text.split("\n").slice(0, 400).join("\n"));
    const stale = capture();
    expect((await run(["monitor", "co2-forecast", "--lock", lockFile, "--data", old], stale)).exitCode).toBe(
      2,
    );
    expect(stale.errors()).toMatch(/holds nothing after the data it was trained on/);
  });
});

describe("batch predictions as CSV", () => {
  it("quotes what must be quoted and never writes a spreadsheet formula", () => {
    const text = predictionsText(
      [
        {
          id: "=HYPERLINK(1)",
          time: "t",
          answer: {},
          features: {},
          prediction: { label: 'a,"b"', p: -0.5 },
          latencyMs: 1,
        },
        {
          id: "@x",
          answer: {},
          features: {},
          prediction: { label: "+1", p: 2 },
          truth: { actual: [1] },
          latencyMs: 1,
        },
      ],
      "csv",
    );
    expect(text.split("\n")).toEqual([
      "id,time,label,p,truth",
      `'=HYPERLINK(1),t,"a,""b""",-0.5,`,
      `'@x,,'+1,2,"{""actual"":[1]}"`,
      "",
    ]);
  });
});

describe("--since", () => {
  it("reads durations and dates", () => {
    const now = Date.parse("2026-12-05T12:00:00Z");
    expect(parseSince("24h", now)).toBe(Date.parse("2026-12-04T12:00:00Z"));
    expect(parseSince("7d", now)).toBe(Date.parse("2026-11-28T12:00:00Z"));
    expect(parseSince("2026-12-01", now)).toBe(Date.parse("2026-12-01"));
    expect(() => parseSince("-1d", now)).toThrow();
    expect(() => parseSince("2026-99-99", now)).toThrow();
  });
});
