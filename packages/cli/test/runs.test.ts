import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { co2Forecast } from "@lockstep/models";
import { newRunId, writeRun, type RunInput } from "@lockstep/runs";
import { openStore } from "@lockstep/store";
import { startS3Process } from "@lockstep/store/testing";
import { run } from "../src/index.js";
import { runsCommand } from "../src/commands/runs.js";
import { runProgram } from "../src/run-program.js";
import { capture } from "./capture.js";

const exec = promisify(execFile);
const SMALL = co2Forecast.smokeParams;

let dir: string;
let lockFile: string;
let winner: string;
let loser: string;

/** `lockstep runs …` through the same error handling as the full program. */
const runs = (argv: string[], out = capture()) =>
  runProgram((state) => runsCommand(out, state), argv, out).then((r) => ({ ...r, out }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lockstep-runs-"));
  lockFile = join(dir, "models.lock.json");
  await exec("git", ["init", "-q"], { cwd: dir });
  // the same model trained twice: the first is pinned, the second (another seed) loses its gate
  const first = capture();
  const a = await run(
    [
      "train",
      "co2-forecast",
      "--params",
      JSON.stringify(SMALL),
      "--lock",
      lockFile,
      "--pin",
      "--json",
      "--no-snapshot",
    ],
    first,
  );
  expect(a.exitCode, first.errors()).toBe(0);
  winner = JSON.parse(first.text()).run.id;
  const second = capture();
  const b = await run(
    [
      "train",
      "co2-forecast",
      "--params",
      JSON.stringify({ ...SMALL, seed: 3 }),
      "--lock",
      lockFile,
      "--pin",
      "--snapshot",
      "--json",
    ],
    second,
  );
  expect(b.exitCode, second.errors()).toBe(0);
  const outcome = JSON.parse(second.text());
  expect(outcome.verdict.better).toBe(false);
  loser = outcome.run.id;
});

describe("lockstep runs", () => {
  it("lists both trainings, the pinned one marked, the loser too", async () => {
    const { exitCode, out } = await runs(["list", "co2-forecast", "--lock", lockFile]);
    expect(exitCode, out.errors()).toBe(0);
    const text = out.text();
    expect(text).toMatch(
      new RegExp(`co2-forecast +${loser} +train +staging +mape_h12=[\\d.]+ +fails +[0-9a-f]{12} +-`),
    );
    expect(text).toMatch(
      new RegExp(
        `co2-forecast +${winner} +train +staging +mape_h12=[\\d.]+ +passes +[0-9a-f]{12} +co2-forecast@staging`,
      ),
    );
    expect(text.indexOf(loser)).toBeLessThan(text.indexOf(winner)); // newest first
    expect(text).toMatch(/2 runs shown of 2 matching, 2 in all \(2 from the index, 0 read from records\)/);
  });

  it("filters with --where and sorts by a metric, as JSON", async () => {
    const all = JSON.parse(
      (await runs(["list", "--json", "--lock", lockFile, "--sort", "-mape_h12"])).out.text(),
    );
    expect(all.runs).toHaveLength(2);
    const [worse, better] = all.runs.map((r: { metrics: { mape_h12: number } }) => r.metrics.mape_h12);
    expect(worse).toBeGreaterThanOrEqual(better);
    const cut = (worse + better) / 2;
    const { out } = await runs(["list", "--lock", lockFile, "--where", `mape_h12<${cut}`, "--json"]);
    const filtered = JSON.parse(out.text());
    expect(filtered.matched).toBe(worse === better ? 0 : 1);
    expect((await runs(["list", "--lock", lockFile, "--env", "production", "--json"])).out.text()).toContain(
      '"matched":0',
    );
    expect(
      JSON.parse((await runs(["list", "--lock", lockFile, "--since", "1h", "--json"])).out.text()).matched,
    ).toBe(2);
  });

  it("shows a run's record and its report", async () => {
    const { exitCode, out } = await runs(["show", winner, "--lock", lockFile]);
    expect(exitCode, out.errors()).toBe(0);
    expect(out.text()).toMatch(new RegExp(`run +co2-forecast/${winner}`));
    expect(out.text()).toMatch(/gate +passes: no current pin/);
    expect(out.text()).toMatch(/params \(asked\)[\s\S]*epochs +2/);
    const record = JSON.parse(
      (await runs(["show", `co2-forecast/${loser}`, "--json", "--lock", lockFile])).out.text(),
    );
    expect(record).toMatchObject({
      model: "co2-forecast",
      kind: "train",
      gate: { better: false, against: { version: "1" } },
    });
    expect(record.params.asked.seed).toBe(3);
    // trained with --snapshot: the data snapshot it took is named in its record (the first, without, names none)
    expect(record.data.snapshot).toMatchObject({
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      bytes: expect.any(Number),
    });
    expect(record.data.snapshot.uri).toMatch(/\/data\/sha256\/[0-9a-f]{64}$/);
    const first = JSON.parse((await runs(["show", winner, "--json", "--lock", lockFile])).out.text());
    expect(first.data.snapshot).toBeUndefined();
    expect(record.source.runner).toMatch(/^local/);
    expect(Object.keys(record.timings)).toContain("total");
    const report = (await runs(["show", winner, "--report", "--lock", lockFile])).out.text();
    expect(report).toMatch(/^# co2-forecast training report/);
  });

  it("compares the two side by side, marking what differs", async () => {
    const { exitCode, out } = await runs(["compare", winner, loser, "--lock", lockFile]);
    expect(exitCode, out.errors()).toBe(0);
    expect(out.text()).toMatch(new RegExp(`^ +${winner} +${loser}`, "m"));
    expect(out.text()).toMatch(/^\* +params\.seed +0 +3$/m);
    expect(out.text()).toMatch(/^ +params\.epochs +2 +2$/m);
    expect(out.text()).toMatch(/^\* +run\.gate +passes \(mape_h12\) +fails \(mape_h12\)$/m);
    const diff = (await runs(["compare", winner, loser, "--diff", "--lock", lockFile])).out.text();
    expect(diff).not.toMatch(/params\.epochs/);
  });

  it("refuses hostile ids and filters with exit 2 and a coded error", async () => {
    const cases: [string[], RegExp][] = [
      [["show", "../../etc/passwd"], /RUN_MODEL_INVALID/],
      [["show", "co2-forecast/../../x"], /RUN_ID_INVALID/],
      [["show", "20261207T045301123Z-3fa9c2\u0000"], /RUN_ID_INVALID/],
      [["show", "x".repeat(100_000)], /RUN_ID_INVALID/],
      [["show", "20991207T045301123Z-3fa9c2"], /RUN_NOT_FOUND/],
      [["list", "Bad_Model"], /RUN_MODEL_INVALID/],
      [["list", "--where", "mape_h12<0.1;process.exit(1)"], /RUN_WHERE_INVALID/],
      [["list", "--where", "require('fs')"], /RUN_WHERE_INVALID/],
      [["list", "--since", "yesterday"], /RUN_SINCE_INVALID/],
      [["list", "--sort", "a b"], /RUN_SORT_INVALID/],
      [["list", "--limit", "-1"], /--limit/],
      [["list", "--store", "ftp://x"], /STORE_URI/],
      [["compare", winner], /2 to 20 run ids/],
      [["gc", "--keep", "many"], /--keep must be a whole number/],
      [["gc", "--keep", "1", "--lock", "/nonexistent/models.lock.json"], /needs the lock/],
    ];
    for (const [argv, message] of cases) {
      const { exitCode, out } = await runs([
        ...argv,
        ...(argv.includes("--lock") ? [] : ["--lock", lockFile]),
      ]);
      expect(exitCode, argv.join(" ").slice(0, 80)).toBe(2);
      expect(out.errors(), argv.join(" ").slice(0, 80)).toMatch(message);
    }
  });

  it("skips malformed and foreign records, saying how many", async () => {
    const folder = join(dir, ".lockstep/store/runs/co2-forecast");
    // named now, as a writer names its record: a listing compares the recent days' keys
    const broken = newRunId(new Date(), () => "000001");
    await writeFile(join(folder, `${broken}.json`), "{broken");
    await writeFile(
      join(folder, `${newRunId(new Date(), () => "000002")}.json`),
      JSON.stringify({ run_id: "mlflow", params: {} }),
    );
    const { exitCode, out } = await runs(["list", "--lock", lockFile]);
    expect(exitCode).toBe(0);
    expect(out.errors()).toMatch(/warning: 2 records skipped \(malformed or foreign, not listed\)/);
    expect(out.text()).toMatch(
      /2 runs shown of 2 matching, 2 in all \(2 from the index, 0 read from records, 2 skipped\)/,
    );
    const shown = await runs(["show", broken, "--lock", lockFile]);
    expect(shown.exitCode).toBe(1);
    expect(shown.out.errors()).toMatch(/RUN_RECORD_INVALID/);
  });

  it("records verify --reproduce as a run of kind reproduce, and answers as lockstep runs", async () => {
    const out = capture();
    const verified = await run(["verify", "--all", "--reproduce", "--lock", lockFile], out);
    expect(verified.exitCode, out.errors()).toBe(0);
    const listed = capture();
    expect(
      (await run(["runs", "list", "--json", "--lock", lockFile], listed)).exitCode,
      listed.errors(),
    ).toBe(0);
    const rerun = JSON.parse(listed.text()).runs[0];
    expect(rerun).toMatchObject({ kind: "reproduce", better: false });
    const shown = capture();
    await run(["runs", "show", rerun.id, "--json", "--lock", lockFile], shown);
    const record = JSON.parse(shown.text());
    expect(record.gate.reason).toBe("re-run of version 1: byte-identical to the pin");
    expect(record.artifact.sha256).toBe(record.gate.against.sha256);
    // the re-run is not the pinned run: gc may collect it, never the run that made the pin
    const gc = capture();
    await run(["runs", "gc", "--keep", "0", "--dry-run", "--json", "--lock", lockFile], gc);
    expect(JSON.parse(gc.text()).pinned.map((r: { id: string }) => r.id)).toContain(winner);
  });

  it("gc keeps the newest N and every pinned run", async () => {
    // the re-run above has the pinned artifact's sha256 too: kept with the run that made the pin
    const dry = await runs(["gc", "--keep", "0", "--dry-run", "--lock", lockFile]);
    expect(dry.out.text()).toBe("would delete 1 run; kept 0 newest and 2 pinned");
    const { exitCode, out } = await runs(["gc", "--keep", "0", "--lock", lockFile, "--json"]);
    expect(exitCode, out.errors()).toBe(0);
    const result = JSON.parse(out.text());
    expect(result.deleted.map((r: { id: string }) => r.id)).toEqual([loser]);
    expect(result.pinned.map((r: { id: string }) => r.id)).toContain(winner);
    const left = JSON.parse((await runs(["list", "--json", "--lock", lockFile])).out.text());
    expect(left.runs.map((r: { id: string }) => r.id)).toContain(winner);
    expect(left.runs.map((r: { id: string }) => r.id)).not.toContain(loser);
  });

  it("warns and counts a record that cannot be written, and the training still succeeds", async () => {
    const store = join(dir, "broken-store");
    await mkdir(store, { recursive: true });
    await writeFile(join(store, "runs"), "a file where runs/ should be");
    const out = capture();
    const { exitCode } = await run(
      [
        "train",
        "co2-forecast",
        "--params",
        JSON.stringify(SMALL),
        "--store",
        store,
        "--lock",
        lockFile,
        "--json",
      ],
      out,
    );
    expect(exitCode, out.errors()).toBe(0);
    expect(out.errors()).toMatch(/warning: run record not written \(1 so far in this process\)/);
    expect(JSON.parse(out.text()).runError).toMatch(/cannot write/);
    expect(await readFile(join(store, "runs"), "utf8")).toBe("a file where runs/ should be");
  });
});

describe("lockstep runs on an S3 store", () => {
  it("lists, shows and compares runs from the loopback S3", async () => {
    const s3 = await startS3Process("runs");
    const env = {
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_S3: s3.endpoint,
    };
    const saved = { ...process.env };
    Object.assign(process.env, env, { LOCKSTEP_CACHE_DIR: join(dir, "s3cache") });
    try {
      const store = openStore("s3://runs/lockstep", { env });
      const record = JSON.parse((await runs(["show", winner, "--json", "--lock", lockFile])).out.text());
      const { id: _id, createdAt: _c, runRecordVersion: _v, report: _r, ...input } = record;
      const ids = [];
      for (let n = 0; n < 3; n += 1)
        ids.push(
          (await writeRun(store, { ...(input as RunInput), metrics: { mape_h12: 0.1 + n / 100 } })).id,
        );
      const listed = await runs([
        "list",
        "--store",
        "s3://runs/lockstep",
        "--lock",
        lockFile,
        "--sort",
        "mape_h12",
      ]);
      expect(listed.exitCode, listed.out.errors()).toBe(0);
      expect(listed.out.text()).toMatch(/3 runs shown of 3 matching, 3 in all/);
      const compared = await runs([
        "compare",
        ...ids.slice(0, 2),
        "--store",
        "s3://runs/lockstep",
        "--lock",
        lockFile,
      ]);
      expect(compared.out.text()).toMatch(/^\* +metrics\.mape_h12 +0\.1 +0\.11$/m);
    } finally {
      process.env = saved;
      await s3.close();
    }
  });
});
