import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile, cp } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { trainedProject } from "@lockstep/inference/testing";
import { serializeLock, type LockFile, type Pin } from "@lockstep/lockfile";
import type { FeatureProfile } from "@lockstep/ml";
import { loadPinnedArtifact } from "@lockstep/models";
import { promote } from "../src/commands/change-requests.js";
import { run } from "../src/index.js";
import { capture } from "./capture.js";

/*
 * The promotion pull request's evidence and verify's promotionRequires, on a real repository whose
 * staging pin was merged three days ago, with monitor reports published by `lockstep monitor` itself
 * into a file store, and the pull request opened against the GitHub API fake.
 */

const ROOT = resolve(import.meta.dirname, "../../..");
const TOKEN = "ghs_promote";
const DAY = 86_400_000;
const exec = promisify(execFile);
let dir: string;
let lockFile: string;
let lock: LockFile;
let pin: Pin;
let github: FakeGitHub;

const git = async (cwd: string, args: string[], date?: Date) =>
  (
    await exec("git", args, {
      cwd,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@x",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@x",
        ...(date ? { GIT_COMMITTER_DATE: date.toISOString(), GIT_AUTHOR_DATE: date.toISOString() } : {}),
      },
    })
  ).stdout;

/** lockstep.deploy.json with production's promotionRequires set (undefined: none). */
async function commitConfig(requires: unknown, date?: Date) {
  const config = JSON.parse(await readFile(join(ROOT, "lockstep.deploy.json"), "utf8"));
  if (requires !== undefined) config.environments.production.promotionRequires = requires;
  await writeFile(join(dir, "lockstep.deploy.json"), `${JSON.stringify(config, null, 2)}\n`);
  await git(dir, ["add", "lockstep.deploy.json"]);
  await git(dir, ["commit", "-q", "--allow-empty", "-m", "deploy config"], date);
  await git(dir, ["push", "-q", "origin", "main"]);
}

/** A prediction log of the pin: every column at its reference quantiles (healthy), or moved far off them. */
async function writeLog(name: string, shift: number): Promise<string> {
  const { card } = await loadPinnedArtifact("co2-forecast", pin, { baseDir: dir });
  const profile = card.featureProfile as { features: Record<string, FeatureProfile>; predictions: Record<string, FeatureProfile> }; // prettier-ignore
  const value = (p: FeatureProfile, i: number) =>
    p.kind === "numeric"
      ? p.quantiles[i % p.quantiles.length]! * (1 + shift) + shift * 100
      : Object.keys(p.shares)[0]!;
  const columns = (profiles: Record<string, FeatureProfile>, i: number) =>
    Object.fromEntries(Object.entries(profiles).map(([column, p]) => [column, value(p, i)]));
  const now = Date.now();
  const lines = Array.from({ length: 202 }, (_, i) =>
    JSON.stringify({
      time: new Date(now - (202 - i) * 60_000).toISOString(),
      requestId: `r${i}`,
      model: "co2-forecast",
      version: pin.version,
      sha256: pin.sha256,
      features: columns(profile.features, i),
      prediction: columns(profile.predictions ?? {}, i),
      latencyMs: 2,
      cached: false,
    }),
  );
  const logDir = join(dir, name);
  await mkdir(logDir, { recursive: true });
  await writeFile(join(logDir, `predictions-${new Date(now).toISOString().slice(0, 10)}.jsonl`), `${lines.join("\n")}\n`); // prettier-ignore
  return logDir;
}

/** `lockstep monitor` publishing its report into the file store `store` (relative to the repository). */
async function publishReport(log: string, store: string): Promise<number | "running"> {
  const out = capture();
  const args = [
    "monitor",
    "co2-forecast",
    "--lock",
    lockFile,
    "--log",
    log,
    "--since",
    "1d",
    "--store",
    store,
  ];
  const result = await run([...args, "--out", join(dir, ".lockstep", "monitor-out")], out);
  expect(out.text()).toContain(`Published: ${store}/reports/monitor/co2-forecast/staging/`);
  return result.exitCode;
}

/** `lockstep verify` of the working lock (production = staging's pin) against HEAD. */
async function verify(...args: string[]) {
  const out = capture();
  const result = await run(["verify", "--lock", lockFile, ...args], out);
  return { code: result.exitCode, out: out.text(), err: out.errors() };
}

beforeAll(async () => {
  const project = await trainedProject();
  dir = project.dir;
  lock = project.lock;
  pin = lock.models["co2-forecast"]!.pins.staging!;
  lockFile = join(dir, "models.lock.json");
  const origin = await mkdtemp(join(dir, "..", "lockstep-promote-origin-"));
  await exec("git", ["init", "-q", "--bare", "--initial-branch=main", origin]);
  await git(dir, ["init", "-q", "--initial-branch=main"]);
  await git(dir, ["remote", "add", "origin", origin]);
  // staging's pin merged three days ago; the deployment config today
  await writeFile(lockFile, serializeLock(lock));
  await git(dir, ["add", "models.lock.json"]);
  await git(dir, ["commit", "-q", "-m", "staging: co2-forecast v1"], new Date(Date.now() - 3 * DAY));
  await commitConfig({ minSoak: "24h", healthyReport: true });
  // the pull request's head: production takes staging's pin
  await writeFile(lockFile, serializeLock({ ...lock, models: { ...lock.models, "co2-forecast": { ...lock.models["co2-forecast"]!, pins: { staging: pin, production: pin } } } })); // prettier-ignore
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
}, 240_000);
afterAll(() => github?.stop());

describe("promotion with staging's evidence", () => {
  it("puts how the pin did in staging in the pull request, and verify lets it through", async () => {
    expect(await publishReport(await writeLog("log-healthy", 0), "file://reports")).toBe(0);
    const out = capture();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GITHUB_TOKEN: TOKEN,
      GITHUB_REPOSITORY: "acme/models",
      GITHUB_API_URL: github.url,
      LOCKSTEP_REPORT_STORE: "file://reports",
    };
    delete env.LOCKSTEP_PROMETHEUS_URL;
    delete env.LOCKSTEP_REPLAY_SAMPLE_URI;
    await promote("co2-forecast", { lock: lockFile }, out, env);
    const body = github.pulls.find((p) => p.head === "lockstep/promote/co2-forecast/production")!.body;
    expect(body).toContain("### Evidence from `staging`");
    expect(body).toMatch(
      /\| served in staging \| 3d: pinned since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(`[0-9a-f]{12}`\) \|/,
    );
    expect(body).toMatch(
      /\| requests \| 202 \(monitor report, its window [\d-]+ [\d:]+ UTC – [\d-]+ [\d:]+ UTC\) \|/,
    );
    expect(body).toContain(
      "| error ratio | not measured (the prediction log holds answers only: set a Prometheus URL) |",
    );
    expect(body).toMatch(
      /\| latest monitor report \| ✅ healthy: 202 predictions, .* \(`reports\/monitor\/co2-forecast\/staging\/latest\/result\.json`\) \|/,
    );
    expect(body).toContain(
      "| production requires (verify checks) | ✅ served ≥ 24h; ✅ a healthy latest report of this pin |",
    );
    expect(body).toContain("### Shadow replay\n\nNo replay sample configured");

    const ok = await verify("--report-store", "file://reports");
    expect(ok.out).toMatch(
      /\| co2-forecast \| production \| 1 \| soak \| ✅ \| staging has served it 3d \(at least 24h\)/,
    );
    expect(ok.out).toMatch(/\| health \| ✅ \| staging's latest monitor report is healthy \(202 predictions/);
    expect(ok.code).toBe(0);
  }, 120_000);

  it("fails a promotion that has not soaked", async () => {
    await commitConfig({ minSoak: "4d" });
    try {
      const result = await verify();
      expect(result.out).toMatch(
        /\| soak \| ❌ \| staging has served it 3d since \S+; promotionRequires\.minSoak is 4d: re-run this check after \S+ \|/,
      );
      expect(result.out).toMatch(/co2-forecast@production v1 \(soak\)$/);
      expect(result.code).toBe(1);
    } finally {
      await commitConfig({ minSoak: "24h", healthyReport: true });
    }
  });

  it("fails a promotion whose latest staging report drifted", async () => {
    expect(await publishReport(await writeLog("log-drift", 3), "file://drifted")).toBe(1);
    const result = await verify("--report-store", "file://drifted");
    expect(result.out).toMatch(
      /\| health \| ❌ \| staging's latest monitor report of this pin is drift \(drifted: [a-z_0-9, ]+\): reports\/monitor\/co2-forecast\/staging\/latest\/result\.json \|/,
    );
    expect(result.code).toBe(1);
  });

  it("fails with a clear message when the report is missing, malformed or another artifact's", async () => {
    const latest = (store: string) =>
      join(dir, store, "reports/monitor/co2-forecast/staging/latest/result.json");
    const missing = await verify("--report-store", "file://nowhere");
    expect(missing.out).toMatch(
      /\| health \| ❌ \| no monitor report of this pin in staging: no monitor report in file:\/\/nowhere\/reports\/monitor\/co2-forecast\/staging\/latest\/ \(the monitor publishes one with --store\) \|/,
    );
    expect(missing.code).toBe(1);

    await cp(join(dir, "reports"), join(dir, "malformed"), { recursive: true });
    await writeFile(latest("malformed"), '{"model": "co2-forecast", "status": ');
    const malformed = await verify("--report-store", "file://malformed");
    expect(malformed.out).toMatch(/\| health \| ❌ \| no monitor report of this pin in staging: the monitor report reports\/monitor\/co2-forecast\/staging\/latest\/result\.json is not JSON \|/); // prettier-ignore
    await writeFile(latest("malformed"), JSON.stringify({ model: "co2-forecast", version: "1", sha256: pin.sha256, status: "fine", window: { records: 3 } })); // prettier-ignore
    expect((await verify("--report-store", "file://malformed")).out).toContain(
      'has status "fine", not healthy, drift or degraded',
    );

    await cp(join(dir, "reports"), join(dir, "other"), { recursive: true });
    const report = JSON.parse(await readFile(latest("other"), "utf8"));
    await writeFile(latest("other"), JSON.stringify({ ...report, sha256: "e".repeat(64), version: "0" }));
    const other = await verify("--report-store", "file://other");
    expect(other.out).toContain(
      `no monitor report of this pin in staging: the latest monitor report of co2-forecast in staging judged eeeeeeeeeeee (v0), not ${pin.sha256.slice(0, 12)}: no report of this pin since it was pinned there`,
    );
    expect(other.code).toBe(1);
  });

  it("exits 2 on a soak that does not parse in the base's config", async () => {
    await commitConfig({ minSoak: "one day" });
    try {
      const result = await verify();
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/\/environments\/production\/promotionRequires\/minSoak/);
    } finally {
      await commitConfig({ minSoak: "24h", healthyReport: true });
    }
  });
});

describe("promotionRequires and reverts", () => {
  it("asks no evidence of a revert to an artifact production pinned before", async () => {
    const other = {
      ...pin,
      version: "2",
      sha256: "cd".repeat(32),
      uri: pin.uri.replace(pin.sha256, "cd".repeat(32)),
    };
    const withProduction = (production: Pin) =>
      serializeLock({ ...lock, models: { ...lock.models, "co2-forecast": { ...lock.models["co2-forecast"]!, pins: { staging: pin, production } } } }); // prettier-ignore
    // production served the pin, then another artifact; the pull request restores the pin
    for (const production of [pin, other]) {
      await writeFile(lockFile, withProduction(production));
      await git(dir, ["commit", "-q", "-m", `production v${production.version}`, "models.lock.json"]);
    }
    await commitConfig({ minSoak: "30d", healthyReport: true });
    await writeFile(lockFile, withProduction(pin));
    const result = await verify("--report-store", "file://nowhere");
    expect(result.out).toMatch(
      /\| soak \| ✅ \| not required: production pinned this artifact before \(a revert\) \|/,
    );
    expect(result.out).toMatch(
      /\| health \| ✅ \| not required: production pinned this artifact before \(a revert\) \|/,
    );
    expect(result.code).toBe(0);
  });
});
