import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import { bumpPin, emptyLock, parseLock, serializeLock, type Pin } from "@lockstep/lockfile";
import { proposeCandidate, type CandidateFile } from "../src/index.js";
import { candidate, currentPin } from "./fixture.js";

const exec = promisify(execFile);
const git = async (cwd: string, ...args: string[]) => (await exec("git", args, { cwd })).stdout.trim();

/** A bare origin whose main holds a lock with `currentPin` in production, and a clone of it. */
async function repository(): Promise<{ origin: string; clone: string }> {
  const root = await mkdtemp(join(tmpdir(), "lockstep-propose-"));
  const origin = join(root, "origin.git");
  const seed = join(root, "seed");
  await exec("git", ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
  await exec("git", ["init", "--quiet", "--initial-branch=main", seed]);
  for (const [k, v] of [
    ["user.name", "t"],
    ["user.email", "t@example.com"],
  ])
    await git(seed, "config", k!, v!);
  const lock = bumpPin(emptyLock(), "co2-forecast", "production", currentPin, candidate.gate);
  await writeFile(join(seed, "models.lock.json"), serializeLock(lock));
  await writeFile(join(seed, "README.md"), "models\n");
  await git(seed, "add", ".");
  await git(seed, "commit", "--quiet", "-m", "seed");
  await git(seed, "push", "--quiet", origin, "main");
  const clone = join(root, "clone");
  await exec("git", ["clone", "--quiet", origin, clone]);
  return { origin, clone };
}

const withRmse = (rmse: number, sha: string): CandidateFile => ({
  ...candidate,
  pin: { ...candidate.pin, sha256: sha.repeat(64), metrics: { ...candidate.pin.metrics, rmse } },
});
const lockOnBranch = async (repo: string, branch: string) =>
  parseLock(await git(repo, "show", `${branch}:models.lock.json`));

let origin: string;
let clone: string;
beforeEach(async () => {
  ({ origin, clone } = await repository());
});

describe("proposeCandidate", () => {
  it("commits the base lock with the candidate pinned on lockstep/<model>/<env>, without touching the checkout", async () => {
    const before = await git(clone, "status", "--porcelain");
    const outcome = await proposeCandidate({ dir: clone, candidate, remote: "origin" });
    expect(outcome.status).toBe("proposed");
    if (outcome.status !== "proposed") return;
    expect(outcome.branch).toBe("lockstep/co2-forecast/production");
    expect(outcome.pin.version).toBe("3"); // counted from the base lock (current is 2)
    const lock = await lockOnBranch(origin, "lockstep/co2-forecast/production");
    expect(lock.models["co2-forecast"]!.pins.production!.sha256).toBe(candidate.pin.sha256);
    // one commit on top of main, changing only the lock
    expect(await git(origin, "rev-parse", "lockstep/co2-forecast/production~1")).toBe(
      await git(origin, "rev-parse", "main"),
    );
    expect(await git(origin, "diff", "--name-only", "main", "lockstep/co2-forecast/production")).toBe(
      "models.lock.json",
    );
    expect(await git(clone, "status", "--porcelain")).toBe(before);
    expect(await git(clone, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
  });

  it("proposes nothing when the candidate loses to the base's pin, and says why", async () => {
    const outcome = await proposeCandidate({ dir: clone, candidate: withRmse(0.7, "c"), remote: "origin" });
    expect(outcome).toMatchObject({ status: "rejected", verdict: { better: false } });
    expect(await git(origin, "branch", "--list", "lockstep/*")).toBe("");
  });

  it("replaces a weaker proposal, keeps a stronger one, and does nothing for the same artifact", async () => {
    await proposeCandidate({ dir: clone, candidate: withRmse(0.6, "c"), remote: "origin" });
    const better = await proposeCandidate({ dir: clone, candidate: withRmse(0.5, "d"), remote: "origin" });
    expect(better).toMatchObject({ status: "proposed", previous: { sha256: "c".repeat(64) } });
    const weaker = await proposeCandidate({ dir: clone, candidate: withRmse(0.55, "e"), remote: "origin" });
    expect(weaker).toMatchObject({ status: "superseded", proposed: { sha256: "d".repeat(64) } });
    const same = await proposeCandidate({ dir: clone, candidate: withRmse(0.5, "d"), remote: "origin" });
    expect(same.status).toBe("unchanged");
    const lock = await lockOnBranch(origin, "lockstep/co2-forecast/production");
    expect(lock.models["co2-forecast"]!.pins.production!.sha256).toBe("d".repeat(64));
    // the branch is always one commit on main, never a pile of commits
    expect(await git(origin, "rev-list", "--count", "main..lockstep/co2-forecast/production")).toBe("1");
  });

  it("two runs racing from two clones end with the better candidate on the branch", async () => {
    const other = join(clone, "..", "other");
    await exec("git", ["clone", "--quiet", origin, other]);
    const outcomes = await Promise.all([
      proposeCandidate({ dir: clone, candidate: withRmse(0.5, "d"), remote: "origin" }),
      proposeCandidate({ dir: other, candidate: withRmse(0.45, "f"), remote: "origin" }),
    ]);
    const lock = await lockOnBranch(origin, "lockstep/co2-forecast/production");
    expect(lock.models["co2-forecast"]!.pins.production!.sha256).toBe("f".repeat(64));
    expect(outcomes.map((o) => o.status).sort()).toEqual(expect.arrayContaining(["proposed"]));
  });

  it("works without a remote: a local branch for people without GitHub", async () => {
    const outcome = await proposeCandidate({ dir: clone, candidate });
    expect(outcome.status).toBe("proposed");
    const lock = await lockOnBranch(clone, "lockstep/co2-forecast/production");
    expect(lock.models["co2-forecast"]!.pins.production!.version).toBe("3");
    expect(await git(origin, "branch", "--list", "lockstep/*")).toBe("");
  });

  it("never reuses a version a revert took out of the lock; an artifact pinned before keeps its version", async () => {
    // main's history: v2 (the seed), then v3 merged, then a revert back to v2
    const reverted: Pin = { ...currentPin, version: "3", sha256: "b".repeat(64) };
    const seed = parseLock(await git(clone, "show", "HEAD:models.lock.json"));
    for (const [lock, message] of [
      [bumpPin(seed, "co2-forecast", "production", reverted), "pin v3"],
      [seed, "revert to v2"],
    ] as const) {
      await writeFile(join(clone, "models.lock.json"), serializeLock(lock));
      await git(
        clone,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "--quiet",
        "-am",
        message,
      );
    }
    await exec(
      "git",
      ["-c", "user.name=t", "-c", "user.email=t@example.com", "push", "--quiet", "origin", "main"],
      {
        cwd: clone,
      },
    );
    const fresh = await proposeCandidate({ dir: clone, candidate: withRmse(0.1, "c"), remote: "origin" });
    expect(fresh).toMatchObject({ status: "proposed", pin: { version: "4" } });
    const again = await proposeCandidate({
      dir: clone,
      candidate: { ...withRmse(0.05, "b"), pin: { ...withRmse(0.05, "b").pin, version: "9" } },
      remote: "origin",
    });
    expect(again).toMatchObject({ status: "proposed", pin: { version: "3" } });
  });

  it("pins a model the base lock does not have yet with the candidate's gate", async () => {
    const fresh: Pin = { ...candidate.pin, sha256: "9".repeat(64) };
    const outcome = await proposeCandidate({
      dir: clone,
      candidate: { ...candidate, model: "btc-signal", pin: fresh },
      remote: "origin",
    });
    expect(outcome).toMatchObject({ status: "proposed", pin: { version: "1" } });
  });

  it("refuses a missing base branch and hostile names with clear errors", async () => {
    await expect(proposeCandidate({ dir: clone, candidate, remote: "origin", base: "nope" })).rejects.toThrow(
      /base branch "nope" does not exist on origin/,
    );
    await expect(
      proposeCandidate({ dir: clone, candidate, remote: "origin", base: "--upload-pack=x" }),
    ).rejects.toThrow(/not a safe ref name/);
    await expect(
      proposeCandidate({ dir: clone, candidate: { ...candidate, environment: "../x" }, remote: "origin" }),
    ).rejects.toThrow(/not a safe ref name/);
  });
});
