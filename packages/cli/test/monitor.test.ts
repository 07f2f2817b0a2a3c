import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { configFromEnv, serveLock } from "@lockstep/inference";
import { trainedProject } from "@lockstep/inference/testing";
import { writeLock } from "@lockstep/lockfile";
import { parseSince, run } from "../src/index.js";
import { capture } from "./capture.js";

let dir: string;
let lockFile: string;
let logDir: string;

beforeAll(async () => {
  const project = await trainedProject();
  dir = project.dir;
  lockFile = join(dir, "models.lock.json");
  await writeLock(lockFile, project.lock);
  logDir = join(dir, "log");
}, 240_000);

describe("lockstep monitor", () => {
  it("serves co2-forecast, sees shifted inputs move the drift gauge, and exits 1 with a report on the log", async () => {
    const { server, port } = await serveLock({
      config: configFromEnv({
        LOCKSTEP_LOCK: lockFile,
        PORT: "0",
        LOCKSTEP_WATCH_LOCK_MS: "0",
        LOCKSTEP_PREDICTION_LOG_DIR: logDir,
        LOCKSTEP_DRIFT_WINDOW: "100",
        LOCKSTEP_DRIFT_MIN: "50",
        // a cached answer carries no features: every request here is its own
        LOCKSTEP_CACHE: "off",
      }),
      host: "127.0.0.1",
      logger: pino({ level: "silent" }),
      signals: false,
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await server.registry.settled();
      const card = (await (await fetch(`${url}/v1/models/co2-forecast`)).json()) as {
        serving: { history: number[] };
      };
      const window = card.serving.history.length;
      for (let i = 0; i < 120; i++) {
        const history = Array.from({ length: window }, (_, k) => 250 + 4 * k + (i % 5) * 0.1);
        const response = await fetch(`${url}/v1/models/co2-forecast/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ horizon: 12, history, lastMonth: "2031-06" }),
        });
        expect(response.status).toBe(200);
      }
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const drift = /lockstep_feature_drift\{model="co2-forecast",feature="monthly_change"\} (\S+)/.exec(
        metrics,
      );
      expect(Number(drift![1])).toBeGreaterThan(1);
    } finally {
      await server.close();
    }

    const out = capture();
    const outDir = join(dir, "report");
    const result = await run(
      [
        "monitor",
        "co2-forecast",
        "--lock",
        lockFile,
        "--log",
        logDir,
        "--out",
        outDir,
        "--store",
        "file://published",
      ],
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
