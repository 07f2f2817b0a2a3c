import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { co2Forecast } from "@lockstep/models";
import { parseCandidate } from "@lockstep/proposal";
import { run } from "../src/index.js";
import { serve } from "../src/commands/serve.js";
import { capture } from "./capture.js";

const exec = promisify(execFile);
const SMALL = JSON.stringify(co2Forecast.smokeParams);
const BIN = resolve(import.meta.dirname, "../bin/lockstep.js");

async function git(cwd: string, ...args: string[]) {
  await exec("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd });
}

let dir: string;
let lockFile: string;
let firstPin: { sha256: string; version: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lockstep-cli-"));
  lockFile = join(dir, "models.lock.json");
  await git(dir, "init", "-q");
  const out = capture();
  const { exitCode } = await run(
    ["train", "co2-forecast", "--params", SMALL, "--lock", lockFile, "--pin", "--json"],
    out,
  );
  expect(exitCode, out.errors()).toBe(0);
  firstPin = JSON.parse(out.text()).pin;
});

describe("lockstep train", () => {
  it("prints the candidate pin as JSON, pins it, and writes the report and candidate file", async () => {
    const lock = JSON.parse(await readFile(lockFile, "utf8"));
    expect(lock.$schema).toBe("./packages/lockfile/schema/models.lock.schema.json");
    expect(lock.models["co2-forecast"].pins.staging.sha256).toBe(firstPin.sha256);
    expect(
      existsSync(join(dir, ".lockstep", "reports", `co2-forecast-${firstPin.sha256.slice(0, 12)}.md`)),
    ).toBe(true);
    // the candidate file is what propose reads: it must parse, and hold what a reviewer needs
    const candidateFile = parseCandidate(
      await readFile(join(dir, ".lockstep", "candidates", "co2-forecast.staging.json"), "utf8"),
    );
    expect(candidateFile.pin).toEqual(firstPin);
    expect(candidateFile.data.rows).toBeGreaterThan(0);
    expect(Object.keys(candidateFile.params).length).toBeGreaterThan(0);
    expect(existsSync(join(dir, ".lockstep", "store", "sha256", firstPin.sha256))).toBe(true);
  });

  it("does not re-pin an identical candidate, and says why", async () => {
    const out = capture();
    const { exitCode } = await run(
      ["train", "co2-forecast", "--params", SMALL, "--lock", lockFile, "--pin"],
      out,
    );
    expect(exitCode).toBe(0);
    // the happy path of a deterministic rebuild reads as one, not as a failed gate
    expect(out.text()).toMatch(/gate +not needed: byte-identical to the pinned version 1/);
    expect(out.text()).not.toMatch(/does not pass/);
    expect(out.text()).toContain("pinned    nothing (version 1 is already this artifact)");
    expect(out.errors()).toMatch(/parity: onnxruntime matches the trainer/);
  });

  it("rejects bad arguments with exit code 2 and a clear message", async () => {
    // a sparse 3 GiB params file and lock file: refused by their size, never read
    const hugeParams = join(dir, "huge-params.json");
    const hugeLock = join(dir, "huge.lock.json");
    for (const path of [hugeParams, hugeLock]) {
      await writeFile(path, "{");
      await truncate(path, 3 * 1024 ** 3);
    }
    const cases: [string[], RegExp][] = [
      [["train", "co2-forecast", "--params", `@${hugeParams}`, "--lock", lockFile], /larger than 1 MiB/],
      [["train", "co2-forecast", "--params", `{"w": ${"[".repeat(9)}${"]".repeat(9)}}`], /deeper than 8/],
      [["lock", "diff", hugeLock, lockFile], /larger than/],
      [["train"], /missing required argument 'model'/],
      [["train", "nope", "--lock", lockFile], /unknown model "nope"/],
      [["train", "co2-forecast", "--params", "{bad", "--lock", lockFile], /--params is not valid JSON/],
      [["train", "co2-forecast", "--params", "[1]", "--lock", lockFile], /must be a JSON object/],
      [["train", "co2-forecast", "--params", '{"windows":[1]}', "--lock", lockFile], /windows\[0\]/],
      [
        ["train", "co2-forecast", "--env", "Prod Env", "--lock", lockFile],
        /environment must be a lowercase name/,
      ],
      [
        ["train", "co2-forecast", "--store", "ftp://x", "--params", SMALL, "--lock", lockFile],
        /unsupported store scheme/,
      ],
      [["frobnicate"], /unknown command/],
      [["serve", "--port", "http", "--lock", lockFile], /port must be an integer/],
    ];
    for (const [argv, pattern] of cases) {
      const out = capture();
      const stderr: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => (
        stderr.push(String(chunk)),
        true
      )) as typeof process.stderr.write;
      let result;
      try {
        result = await run(argv, out);
      } finally {
        process.stderr.write = write;
      }
      expect(result.exitCode, argv.join(" ")).toBe(2);
      expect(out.errors() + stderr.join(""), argv.join(" ")).toMatch(pattern);
    }
  });

  it("reports data it cannot read", async () => {
    const bad = join(dir, "bad.csv");
    await writeFile(bad, "Date,CO2\n2020-01-01,410\n2019-01-01,409\n");
    const out = capture();
    expect((await run(["train", "co2-forecast", "--data", bad, "--lock", lockFile], out)).exitCode).toBe(2);
    expect(out.errors()).toMatch(/DATA_INVALID.*out of order/);
    const missing = capture();
    expect(
      (await run(["train", "co2-forecast", "--data", join(dir, "none.csv"), "--lock", lockFile], missing))
        .exitCode,
    ).toBe(2);
    expect(missing.errors()).toMatch(/DATA_INVALID.*none\.csv not found/);
  });
});

describe("lockstep lock", () => {
  it("warns on a pin only this machine can fetch, and fails on it under --strict", async () => {
    const lock = JSON.parse(await readFile(lockFile, "utf8"));
    lock.models["co2-forecast"].pins.staging.uri = `file:///tmp/store/sha256/${firstPin.sha256}`;
    const local = join(dir, "local.lock.json");
    await writeFile(local, JSON.stringify(lock));
    const out = capture();
    expect((await run(["lock", "validate", local], out)).exitCode).toBe(0);
    expect(out.errors()).toMatch(
      /warning: .*\/models\/co2-forecast\/pins\/staging\/uri: file:\/\/\/tmp\/store.* one machine/,
    );
    expect(out.text()).toMatch(/valid \(1 model, 1 pin, 1 warning\)/);
    const strict = capture();
    expect((await run(["lock", "validate", local, "--strict"], strict)).exitCode).toBe(1);
    expect(strict.text()).toMatch(/not valid under --strict/);
    const json = capture();
    await run(["lock", "validate", local, "--json", "--strict"], json);
    expect(JSON.parse(json.text())).toMatchObject({
      valid: false,
      warnings: [{ pointer: "/models/co2-forecast/pins/staging/uri" }],
    });
    const fine = capture();
    expect((await run(["lock", "validate", lockFile, "--strict"], fine)).exitCode).toBe(0);
    expect(fine.errors()).toBe("");
  });

  it("under --strict refuses a pin outside every configured store, or under another hash", async () => {
    const lock = JSON.parse(await readFile(lockFile, "utf8"));
    const uris = {
      relative: `file://x/sha256/${firstPin.sha256}`,
      bucket: `s3://someone-else/models/sha256/${firstPin.sha256}`,
      hash: `file://.lockstep/store/sha256/${"0".repeat(64)}`,
    };
    for (const [what, uri] of Object.entries(uris)) {
      lock.models["co2-forecast"].pins.staging.uri = uri;
      const path = join(dir, `outside-${what}.lock.json`);
      await writeFile(path, JSON.stringify(lock));
      const loose = capture();
      expect((await run(["lock", "validate", path], loose)).exitCode, what).toBe(0);
      const strict = capture();
      expect((await run(["lock", "validate", path, "--strict"], strict)).exitCode, what).toBe(1);
      expect(strict.errors()).toMatch(
        /\/models\/co2-forecast\/pins\/staging\/uri: .* is not <store>\/sha256\/[0-9a-f]{12}… in a configured store \(file:\/\/\.lockstep\/store\)/,
      );
    }
    // a store the deployment config names is configured
    lock.models["co2-forecast"].pins.staging.uri = `s3://lockstep-artifacts/models/sha256/${firstPin.sha256}`;
    await writeFile(join(dir, "configured.lock.json"), JSON.stringify(lock));
    const config = JSON.parse(
      await readFile(join(import.meta.dirname, "../../../lockstep.deploy.json"), "utf8"),
    );
    delete config.$schema;
    await writeFile(join(dir, "lockstep.deploy.json"), JSON.stringify(config));
    const fine = capture();
    const code = (await run(["lock", "validate", join(dir, "configured.lock.json"), "--strict"], fine))
      .exitCode;
    expect(code, fine.errors()).toBe(0);
    await rm(join(dir, "lockstep.deploy.json"));
  });

  it("runs through npx without npm's warnings about the project's .npmrc", async () => {
    const root = join(import.meta.dirname, "../../..");
    const { stdout, stderr } = await exec("npx", ["lockstep", "--version"], { cwd: root });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(stderr).not.toMatch(/npm warn/i);
  });

  it("prints its version", async () => {
    const write = process.stdout.write.bind(process.stdout);
    const printed: string[] = [];
    process.stdout.write = ((chunk: string) => (
      printed.push(String(chunk)),
      true
    )) as typeof process.stdout.write;
    try {
      expect((await run(["--version"], capture())).exitCode).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(printed.join("")).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("validates, shows and diffs", async () => {
    const out = capture();
    expect((await run(["lock", "validate", lockFile], out)).exitCode).toBe(0);
    expect(out.text()).toMatch(/valid \(1 model, 1 pin\)/);
    const show = capture();
    await run(["lock", "show", lockFile], show);
    const json = capture();
    await run(["lock", "show", lockFile, "--json"], json);
    expect(JSON.parse(json.text()).models["co2-forecast"].pins.staging.sha256).toBe(firstPin.sha256);
    expect(show.text()).toMatch(/co2-forecast +staging +1 +[0-9a-f]{12} +mape_h12=[\d.]+ \(minimize\)/);
    const same = capture();
    await run(["lock", "diff", lockFile, lockFile], same);
    expect(same.text()).toBe("no pin changed");
  });

  it("diffs against a git revision", async () => {
    await git(dir, "add", "models.lock.json");
    await git(dir, "commit", "-qm", "pin");
    const lock = JSON.parse(await readFile(lockFile, "utf8"));
    lock.models["co2-forecast"].pins.production = {
      ...structuredClone(lock.models["co2-forecast"].pins.staging),
      version: "2",
    };
    lock.models["co2-forecast"].pins.production.metrics.mape_h12 = 0.01;
    const changed = join(dir, "changed.json");
    await writeFile(changed, JSON.stringify(lock));
    const out = capture();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect((await run(["lock", "diff", "git:HEAD", changed, "--exit-code"], out)).exitCode).toBe(1);
      const json = capture();
      await run(["lock", "diff", "git:HEAD", changed, "--json"], json);
      expect(JSON.parse(json.text())).toMatchObject([
        { model: "co2-forecast", environment: "production", status: "added" },
      ]);
      const atHead = capture();
      expect((await run(["lock", "show", "git:HEAD"], atHead)).exitCode).toBe(0);
      expect(atHead.text()).toMatch(/co2-forecast +staging/);
      const bad = capture();
      expect((await run(["lock", "diff", "git:no-such-rev", changed], bad)).exitCode).toBe(2);
      expect(bad.errors()).toMatch(/cannot read models.lock.json at git revision "no-such-rev"/);
      const hostile = capture();
      expect((await run(["lock", "diff", "git:--output=/tmp/x", changed], hostile)).exitCode).toBe(2);
    } finally {
      process.chdir(cwd);
    }
    // a new pin has no predecessor: no gate verdict is claimed for it
    expect(out.text()).toMatch(/co2-forecast@production: added \(none\) -> v2 [0-9a-f]{12}\n/);
    expect(out.text()).not.toMatch(/improved/);
  });

  it("fails validation of a broken lock with the JSON pointer, exit code 2", async () => {
    const broken = join(dir, "broken.json");
    await writeFile(
      broken,
      '{"lockfileVersion": 1, "models": {"m": {"gate": {"metric": "x", "goal": "up", "minImprovement": 0}, "pins": {}}}}',
    );
    const out = capture();
    expect((await run(["lock", "validate", broken], out)).exitCode).toBe(2);
    expect(out.errors()).toContain('/models/m/gate/goal: expected "minimize" or "maximize", found "up"');
    expect(out.errors()).not.toMatch(/\n\s+at /);
    const missing = capture();
    expect((await run(["lock", "validate", join(dir, "nope.json")], missing)).exitCode).toBe(2);
  });
});

describe("lockstep serve", () => {
  it("serves the pinned model and refuses a lock with nothing pinned", async () => {
    const out = capture();
    const running = await serve(
      { lock: lockFile, port: "0", host: "127.0.0.1", logLevel: "silent" },
      out,
      {},
    );
    try {
      expect(await running.settled).toBe(true);
      const response = await fetch(`http://127.0.0.1:${running.port}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"horizon": 2}',
      });
      expect(await response.json()).toMatchObject({ model: "co2-forecast", sha256: firstPin.sha256 });
    } finally {
      await running.server.close();
    }
    await expect(
      serve({ lock: lockFile, env: "production", port: "0" }, capture(), {}),
    ).rejects.toMatchObject({
      code: "NOTHING_PINNED",
    });
  });
});

describe("the lockstep binary", () => {
  it("exits with meaningful codes and prints no stack trace unless --verbose", async () => {
    const broken = join(dir, "broken2.json");
    await writeFile(broken, "{");
    const failure = await exec("node", [BIN, "lock", "validate", broken]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((failure as { code: number }).code).toBe(2);
    expect((failure as { stderr: string }).stderr).toMatch(/^error \[LOCK_PARSE\]: .*not valid JSON/);
    expect((failure as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
    const verbose = await exec("node", [BIN, "--verbose", "lock", "validate", broken]).catch(
      (e: { stderr: string }) => e,
    );
    expect((verbose as { stderr: string }).stderr).toMatch(/\n\s+at /);
    const help = await exec("node", [BIN, "train", "--help"]);
    expect(help.stdout).toContain("--params <json>");
  });
});
