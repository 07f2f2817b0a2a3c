import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { bumpPin, parseLock, serializeLock, type Pin } from "@lockstep/lockfile";
import { co2Forecast } from "@lockstep/models";
import { buildActions } from "../scripts/build.js";
import { git, repository, runAction } from "./runner.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "packages/cli/bin/lockstep.js");
const TOKEN = "ghs_deploy";
const SMOKE = JSON.stringify(co2Forecast.smokeParams);
let train: string;
let propose: string;
let promote: string;
let work: string;
let github: FakeGitHub;

beforeAll(async () => {
  [promote, propose, train] = await buildActions(["promote-model", "propose-model", "train"]);
  work = await mkdtemp(join(tmpdir(), "lockstep-deploy-flow-"));
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
});
afterAll(() => github.stop());

/** The lockstep CLI as a process in `cwd`, against the fake GitHub. */
async function cli(cwd: string, ...args: string[]) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_TOKEN: TOKEN,
    GITHUB_REPOSITORY: "acme/models",
    GITHUB_API_URL: github.url,
  };
  return promisify(execFile)(process.execPath, [BIN, ...args], { cwd, env }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

/** What merging a pull request does here: main fast-forwards to its branch. */
async function merge(clone: string, branch: string) {
  await git(clone, "fetch", "-q", "origin");
  await git(clone, "push", "-q", "origin", `refs/remotes/origin/${branch}:refs/heads/main`);
  await git(clone, "fetch", "-q", "origin");
  await git(clone, "checkout", "-q", "-B", "main", "origin/main");
}

const changedFiles = async (clone: string, from: string, to: string) =>
  (await git(clone, "diff", "--name-only", from, to)).split("\n").filter(Boolean).sort();

describe("train → propose → promote → revert, against the GitHub API fake", () => {
  it("each step is one pull request whose lock and manifests change together", async () => {
    const { clone } = await repository(work);
    await copyFile(join(ROOT, "lockstep.deploy.json"), join(clone, "lockstep.deploy.json"));
    await git(clone, "add", ".");
    await git(clone, "commit", "-q", "-m", "deployment config");
    await git(clone, "push", "-q", "origin", "main");
    const store = `file://${join(work, "store")}`;

    // train and propose: the PR carries the lock and the rendered manifests of the new pin
    const trained = await runAction(train, work, clone, undefined, {
      model: "co2-forecast",
      params: SMOKE,
      store,
    });
    expect(trained.code, trained.stdout).toBe(0);
    const proposed = await runAction(propose, work, clone, github, {
      candidate: trained.outputs["candidate-path"]!,
      token: TOKEN,
    });
    expect(proposed.code, proposed.stdout).toBe(0);
    const branch = proposed.outputs.branch!;
    await git(clone, "fetch", "-q", "origin");
    const onBranch = await changedFiles(clone, "origin/main", `origin/${branch}`);
    expect(onBranch).toContain("models.lock.json");
    expect(onBranch).toContain("argocd/envs/staging/co2-forecast/rollout.yaml");
    expect(onBranch.some((p) => p.startsWith("argocd/envs/production/co2-forecast/"))).toBe(false);
    const rollout = await git(
      clone,
      "show",
      `origin/${branch}:argocd/envs/staging/co2-forecast/rollout.yaml`,
    );
    expect(rollout).toContain(`lockstep.dev/sha256: ${trained.outputs.sha256}`);
    const pull = github.pulls.find((p) => p.head === branch)!;
    expect(pull.body).toContain("### Deployment");
    expect(pull.body).toContain("- `argocd/envs/staging/co2-forecast/rollout.yaml`");
    expect(pull.body).toContain(
      "https://lockstep-co2-forecast-staging.preview.lockstep.example.com/v1/models/co2-forecast",
    );
    await merge(clone, branch);
    expect((await cli(clone, "render", "--check")).code).toBe(0);

    // promote: production gets the very same pin, and its own folder
    const promoted = await runAction(promote, work, clone, github, { model: "co2-forecast", token: TOKEN });
    expect(promoted.code, promoted.stdout).toBe(0);
    expect(promoted.outputs).toMatchObject({
      branch: "lockstep/promote/co2-forecast/production",
      sha256: trained.outputs.sha256,
      version: "1",
    });
    const promotion = github.pulls.find((p) => p.head === promoted.outputs.branch)!;
    expect(promotion.title).toBe("co2-forecast: promote v1 from staging to production");
    expect(promotion.labels).toEqual(["model-promotion", "co2-forecast"]);
    expect(promotion.body).toMatch(/It was trained \d+ minutes ago/);
    expect(promotion.body).toContain("| mape_h12 | — |");
    await merge(clone, promoted.outputs.branch!);
    const lock = parseLock(await readFile(join(clone, "models.lock.json"), "utf8"));
    const staging = lock.models["co2-forecast"]!.pins.staging!;
    expect(lock.models["co2-forecast"]!.pins.production).toEqual(staging);
    expect((await cli(clone, "render", "--check")).code).toBe(0);
    const again = await runAction(promote, work, clone, github, { model: "co2-forecast", token: TOKEN });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/::error::production already pins co2-forecast version 1/);

    // a second staging pin merges; its canary fails; revert restores v1 in staging only
    const failed: Pin = {
      ...staging,
      version: "2",
      sha256: "cd".repeat(32),
      uri: staging.uri.replace(staging.sha256, "cd".repeat(32)),
    };
    await writeFile(
      join(clone, "models.lock.json"),
      serializeLock(bumpPin(lock, "co2-forecast", "staging", failed)),
    );
    expect((await cli(clone, "render", "--dry-run")).code).toBe(0);
    await git(clone, "add", "-A");
    await git(clone, "commit", "-q", "-m", "co2-forecast: pin version 2 in staging");
    await git(clone, "push", "-q", "origin", "main");
    const reverted = await cli(
      clone,
      "revert",
      "co2-forecast",
      "--env",
      "staging",
      "--analysis",
      "error-ratio 0.31 > 0.01",
      "--json",
    );
    expect(reverted.code, reverted.stderr).toBe(0);
    const outcome = JSON.parse(reverted.stdout);
    expect(outcome.branch).toBe("lockstep/revert/co2-forecast/staging");
    await git(clone, "fetch", "-q", "origin");
    const revertFiles = await changedFiles(clone, "origin/main", `origin/${outcome.branch}`);
    expect(revertFiles).toEqual([
      "argocd/envs/staging/co2-forecast/configmap-pin.yaml",
      "argocd/envs/staging/co2-forecast/cronjob-monitor.yaml",
      "argocd/envs/staging/co2-forecast/rollout.yaml",
      "argocd/previews/co2-forecast/configmap-pin.yaml",
      "argocd/previews/co2-forecast/rollout.yaml",
      "models.lock.json",
    ]);
    const restored = parseLock(await git(clone, "show", `origin/${outcome.branch}:models.lock.json`));
    expect(restored.models["co2-forecast"]!.pins.staging).toEqual(staging);
    expect(restored.models["co2-forecast"]!.pins.production).toEqual(staging);
    const revert = github.pulls.find((p) => p.head === outcome.branch)!;
    expect(revert.title).toBe("co2-forecast (staging): revert to v1, v2 failed its canary");
    expect(revert.body).toContain("error-ratio 0.31 > 0.01");
    // running it again changes nothing: the same branch, the same pull request
    const twice = JSON.parse(
      (await cli(clone, "revert", "co2-forecast", "--env", "staging", "--json")).stdout,
    );
    expect(twice.commit).toBe(outcome.commit);
    expect(github.pulls.filter((p) => p.head === outcome.branch)).toHaveLength(1);
  }, 180_000);

  it("refuses what cannot be done, and reports GitHub's errors clearly", async () => {
    const { clone } = await repository(work);
    await copyFile(join(ROOT, "lockstep.deploy.json"), join(clone, "lockstep.deploy.json"));
    const lock = parseLock(await readFile(join(ROOT, "models.lock.json"), "utf8"));
    await writeFile(join(clone, "models.lock.json"), serializeLock(lock));
    await git(clone, "add", ".");
    await git(clone, "commit", "-q", "-m", "lock and config");
    await git(clone, "push", "-q", "origin", "main");

    const noEarlier = await cli(clone, "revert", "btc-signal", "--env", "staging");
    expect(noEarlier.code).toBe(2);
    expect(noEarlier.stderr).toMatch(/REVERT_REFUSED.*no earlier pin/);
    const noPin = await cli(clone, "revert", "btc-signal", "--env", "production");
    expect(noPin.stderr).toMatch(/btc-signal has no pin in production/);
    const nothing = await cli(clone, "promote", "fish-classifier", "--from", "production", "--to", "staging");
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/PROMOTE_REFUSED.*fish-classifier has no pin in production/);
    expect((await cli(clone, "promote", "nope")).stderr).toContain("MODEL_UNKNOWN");
    expect((await cli(clone, "promote", "co2-forecast", "--to", "Prod;rm")).code).toBe(2);
    expect((await cli(clone, "release", "latest")).stderr).toMatch(/RELEASE_REFUSED.*sha256:<64 hex>/);

    github.failNext("POST", /\/pulls$/, 403, "Resource not accessible by integration");
    const forbidden = await runAction(promote, work, clone, github, { model: "btc-signal", token: TOKEN });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stdout).toMatch(/::error::.*403.*Resource not accessible by integration/);
    const badInput = await runAction(promote, work, clone, github, {
      model: "btc-signal",
      to: "../main",
      token: TOKEN,
    });
    expect(badInput.stdout).toMatch(/::error::input to must be a lowercase name/);
  }, 120_000);

  it("release sets the new image digest in the config and re-renders every workload", async () => {
    const { clone } = await repository(work);
    await copyFile(join(ROOT, "lockstep.deploy.json"), join(clone, "lockstep.deploy.json"));
    await copyFile(join(ROOT, "models.lock.json"), join(clone, "models.lock.json"));
    expect((await cli(clone, "render", "--dry-run")).code).toBe(0);
    await git(clone, "add", ".");
    await git(clone, "commit", "-q", "-m", "lock, config, manifests");
    await git(clone, "push", "-q", "origin", "main");
    const digest = `sha256:${"e".repeat(64)}`;
    const released = await cli(clone, "release", digest, "--json");
    expect(released.code, released.stderr).toBe(0);
    const { branch } = JSON.parse(released.stdout);
    await git(clone, "fetch", "-q", "origin");
    const files = await changedFiles(clone, "origin/main", `origin/${branch}`);
    // the first release lifts the dry run: the ApplicationSets generate the pinned models, previews
    // turn on; the servers, their monitor jobs and each environment's canary judge run the new image
    expect(files).toEqual([
      "argocd/bootstrap/applicationset-preview-sandboxes.yaml",
      "argocd/bootstrap/applicationset-previews.yaml",
      "argocd/bootstrap/applicationset-production.yaml",
      "argocd/bootstrap/applicationset-staging.yaml",
      "argocd/bootstrap/kustomization.yaml",
      "argocd/envs/production/namespace/deployment-canary-judge.yaml",
      "argocd/envs/production/namespace/kustomization.yaml",
      "argocd/envs/production/namespace/networkpolicy-canary-judge.yaml",
      "argocd/envs/production/namespace/prometheusrule-canary-judge.yaml",
      "argocd/envs/production/namespace/service-canary-judge.yaml",
      "argocd/envs/staging/btc-signal/cronjob-monitor.yaml",
      "argocd/envs/staging/btc-signal/rollout.yaml",
      "argocd/envs/staging/co2-forecast/cronjob-monitor.yaml",
      "argocd/envs/staging/co2-forecast/rollout.yaml",
      "argocd/envs/staging/fish-classifier/cronjob-monitor.yaml",
      "argocd/envs/staging/fish-classifier/rollout.yaml",
      "argocd/envs/staging/namespace/deployment-canary-judge.yaml",
      "argocd/envs/staging/namespace/kustomization.yaml",
      "argocd/envs/staging/namespace/networkpolicy-canary-judge.yaml",
      "argocd/envs/staging/namespace/prometheusrule-canary-judge.yaml",
      "argocd/envs/staging/namespace/service-canary-judge.yaml",
      "argocd/previews/btc-signal/rollout.yaml",
      "argocd/previews/co2-forecast/rollout.yaml",
      "argocd/previews/fish-classifier/rollout.yaml",
      "lockstep.deploy.json",
    ]);
    const config = await git(clone, "show", `origin/${branch}:lockstep.deploy.json`);
    // only the digest changed: the file keeps its formatting
    const before = await readFile(join(clone, "lockstep.deploy.json"), "utf8");
    expect(config.split("\n").filter((l, i) => l !== before.split("\n")[i])).toEqual([
      `    "digest": "${digest}"`,
    ]);
    const pull = github.pulls.find((p) => p.head === branch)!;
    expect(pull.labels).toEqual(["image-release"]);
    expect((await cli(clone, "release", `sha256:${"0".repeat(64)}`)).stderr).toMatch(/already deploys/);
  }, 120_000);
});
