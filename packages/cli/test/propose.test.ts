import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { parseLock } from "@lockstep/lockfile";
import { co2Forecast } from "@lockstep/models";
import { run } from "../src/index.js";
import { propose } from "../src/commands/propose.js";
import { capture } from "./capture.js";

const exec = promisify(execFile);
const BIN = resolve(import.meta.dirname, "../bin/lockstep.js");
const git = async (cwd: string, ...args: string[]) =>
  (
    await exec("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd })
  ).stdout.trim();

let origin: string;
let clone: string;
let github: FakeGitHub;

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), "lockstep-propose-cli-"));
  origin = join(root, "origin.git");
  await exec("git", ["init", "-q", "--bare", "--initial-branch=main", origin]);
  clone = join(root, "clone");
  await exec("git", ["init", "-q", "--initial-branch=main", clone]);
  await writeFile(join(clone, "README.md"), "models\n");
  await writeFile(join(clone, ".gitignore"), ".lockstep/\n");
  await git(clone, "add", ".");
  await git(clone, "commit", "-q", "-m", "seed");
  await git(clone, "remote", "add", "origin", origin);
  await git(clone, "push", "-q", "origin", "main");
  const out = capture();
  const trained = await run(
    [
      "train",
      "co2-forecast",
      "--params",
      JSON.stringify(co2Forecast.smokeParams),
      "--env",
      "production",
      "--lock",
      join(clone, "models.lock.json"),
    ],
    out,
  );
  expect(trained.exitCode, out.errors()).toBe(0);
  github = new FakeGitHub({ owner: "acme", repo: "models", token: "ghs_cli" });
  await github.start();
}, 120_000);
afterAll(() => github?.stop());

const lockArgs = () => ["--env", "production", "--lock", join(clone, "models.lock.json")];

describe("lockstep propose", () => {
  it("--local commits the candidate on a local branch and writes what the pull request would say", async () => {
    const out = capture();
    const { exitCode } = await run(["propose", "co2-forecast", "--local", ...lockArgs()], out);
    expect(exitCode, out.errors()).toBe(0);
    expect(out.text()).toMatch(
      /proposed: lockstep\/co2-forecast\/production \([0-9a-f]{12}\) pins co2-forecast version 1/,
    );
    expect(out.text()).toContain("git merge lockstep/co2-forecast/production");
    const lock = parseLock(await git(clone, "show", "lockstep/co2-forecast/production:models.lock.json"));
    expect(lock.models["co2-forecast"]!.pins.production!.version).toBe("1");
    const body = await readFile(join(clone, ".lockstep", "proposals", "co2-forecast.production.md"), "utf8");
    expect(body).toContain("✅ **The gate passes.**");
    expect(body).toContain("<summary>Training report</summary>");
    // the gate metric over the model's runs, from the run record training wrote to the store
    expect(body).toMatch(
      /### Recent runs\n\n`mape_h12` of co2-forecast's last run, oldest to newest \(lower is better\)/,
    );
    expect(body).toMatch(/```mermaid\nxychart-beta\n {4}title "mape_h12, last run \(lower is better\)"/);
    expect(body).toMatch(/this candidate is run \d+, `\d{8}T\d{9}Z-[0-9a-f]{6}`/);
    expect(await git(clone, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
  });

  it("pushes the branch and opens one pull request through the GitHub API, then leaves it alone on a rerun", async () => {
    const env = {
      ...process.env,
      GITHUB_TOKEN: "ghs_cli",
      GITHUB_REPOSITORY: "acme/models",
      GITHUB_API_URL: github.url,
    };
    const propose = () =>
      exec(process.execPath, [BIN, "propose", "co2-forecast", "--json", ...lockArgs()], { cwd: clone, env });
    const first = JSON.parse((await propose()).stdout);
    expect(first).toMatchObject({ status: "proposed", pullRequest: { action: "created", number: 1 } });
    expect(await git(origin, "rev-parse", "lockstep/co2-forecast/production")).toBe(first.commit);
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]).toMatchObject({ head: "lockstep/co2-forecast/production", base: "main" });
    expect(github.pulls[0]!.labels).toEqual(["model-bump", "co2-forecast"]);
    const second = JSON.parse((await propose()).stdout);
    expect(second).toMatchObject({ status: "unchanged", pullRequest: { action: "unchanged", number: 1 } });
    expect(github.pulls).toHaveLength(1);
  });

  it("proposes without the recent-runs trend when the store cannot be read", async () => {
    const out = capture();
    const result = await propose(
      "co2-forecast",
      { local: true, env: "production", lock: join(clone, "models.lock.json") },
      out,
      { ...process.env, LOCKSTEP_STORE: "ftp://not-a-store" },
    );
    expect(result.draft?.body).toContain("✅ **The gate passes.**");
    expect(result.draft?.body).not.toContain("### Recent runs");
    expect(out.errors()).toMatch(/no recent-runs trend: unsupported store scheme/);
  });

  it("explains what is missing: no token, unknown model, no candidate, a malformed candidate", async () => {
    const cases: [string[], RegExp][] = [
      [["propose", "co2-forecast", ...lockArgs()], /GITHUB_TOKEN and GITHUB_REPOSITORY; use --local/],
      [["propose", "no-such-model", "--local", ...lockArgs()], /unknown model|no-such-model/i],
      [
        ["propose", "btc-signal", "--local", ...lockArgs()],
        /no candidate to propose yet .*btc-signal\.production\.json.*lockstep train btc-signal --env production/,
      ],
    ];
    const bad = join(clone, ".lockstep", "bad.json");
    await writeFile(bad, '{"candidateVersion": 1, "model": 3}');
    cases.push([
      ["propose", "co2-forecast", "--local", "--candidate", bad, ...lockArgs()],
      /"model" must be a string/,
    ]);
    for (const [args, message] of cases) {
      const saved = { token: process.env.GITHUB_TOKEN, repo: process.env.GITHUB_REPOSITORY };
      delete process.env.GITHUB_TOKEN;
      delete process.env.GITHUB_REPOSITORY;
      const out = capture();
      const { exitCode } = await run(args, out);
      Object.assign(
        process.env,
        saved.token ? { GITHUB_TOKEN: saved.token } : {},
        saved.repo ? { GITHUB_REPOSITORY: saved.repo } : {},
      );
      expect(exitCode, args.join(" ")).toBe(2);
      expect(out.errors()).toMatch(message);
    }
  });
});
