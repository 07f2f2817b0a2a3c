import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bumpPin, emptyLock, serializeLock, type LockFile } from "@lockstep/lockfile";
import { promotionViolations, revertPin, type DeployConfig } from "@lockstep/deploy";
import { GitRepo, lockHistory, remoteAuthEnvironment } from "../src/index.js";
import { candidate, currentPin } from "./fixture.js";

const pinned = (sha: string, version: string) => ({
  ...currentPin,
  version,
  sha256: sha.repeat(64),
  uri: `s3://lockstep-models/sha256/${sha.repeat(64)}`,
});
const withStaging = (lock: LockFile, sha: string, version: string) =>
  bumpPin(lock, "co2-forecast", "staging", pinned(sha, version), candidate.gate);

const config = {
  repository: { url: "https://github.com/acme/models.git" },
  image: { repository: "cr.yandex/x/y", digest: `sha256:${"0".repeat(64)}` },
  environments: {
    staging: { namespace: "s", host: "s.example.com", store: { uri: "s3://b/m" } },
    production: {
      namespace: "p",
      host: "p.example.com",
      promotedFrom: "staging",
      store: { uri: "s3://b/m" },
    },
  },
} as DeployConfig;

/**
 * main: A pinned in staging, then a btc-signal pin. A side branch pins X in staging, then puts A
 * back and pins fish-classifier; merged, the lock differs from both parents (so git's default
 * history walks into the side branch): X was never main's staging pin, yet a commit reachable from
 * main holds it.
 */
async function sideBranchRepo(): Promise<{ git: GitRepo; lock: LockFile }> {
  const dir = await mkdtemp(join(tmpdir(), "lockstep-history-"));
  const git = new GitRepo(dir);
  const env = {
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@x",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@x",
  };
  const commit = async (lock: LockFile, message: string) => {
    await writeFile(join(dir, "models.lock.json"), serializeLock(lock));
    await git.run(["add", "models.lock.json"]);
    await git.run(["commit", "-q", "-m", message], { env });
  };
  await git.run(["init", "-q", "-b", "main"]);
  const lock = withStaging(emptyLock(), "a", "1");
  await commit(lock, "staging pins A");
  await git.run(["checkout", "-q", "-b", "side"]);
  await commit(withStaging(lock, "f", "9"), "staging pins X (side branch only)");
  const other = (l: LockFile, model: string, sha: string) =>
    bumpPin(l, model, "staging", pinned(sha, "1"), candidate.gate);
  await commit(other(lock, "fish-classifier", "c"), "put A back, pin fish");
  await git.run(["checkout", "-q", "main"]);
  await commit(other(lock, "btc-signal", "b"), "pin btc");
  const merged = other(other(lock, "btc-signal", "b"), "fish-classifier", "c");
  await git.run(["merge", "-q", "--no-ff", "--no-commit", "side"], { env }).catch(() => undefined);
  await commit(merged, "merge side");
  return { git, lock: merged };
}

describe("lockHistory", () => {
  it("follows the base branch's first parents: a pin only a merged side branch held is not history", async () => {
    const { git, lock } = await sideBranchRepo();
    const revisions = await lockHistory(git, "main", "models.lock.json");
    const history = revisions.map((r) => r.lock);
    const stagingShas = history.map((l) => l.models["co2-forecast"]!.pins.staging!.sha256[0]);
    expect(stagingShas).toEqual(["a", "a", "a"]);
    // so production cannot take X as "an artifact staging pinned"
    const forged = bumpPin(lock, "co2-forecast", "production", pinned("f", "9"), candidate.gate);
    expect(promotionViolations(config, lock, forged, history)).toEqual([
      expect.objectContaining({ model: "co2-forecast", environment: "production", sha256: "f".repeat(64) }),
    ]);
    // and a revert of staging has no earlier pin to restore
    expect(() => revertPin(lock, revisions, "co2-forecast", "staging")).toThrow();
  });
});

describe("remoteAuthEnvironment", () => {
  it("hands git the token as config in the environment, for the GitHub server only, and nothing without one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-auth-"));
    const git = new GitRepo(dir);
    await git.run(["init", "-q"]);
    const env = remoteAuthEnvironment({
      GITHUB_TOKEN: "t0ken",
      GITHUB_SERVER_URL: "https://github.example.com/",
    });
    const seen = await git.run(["config", "--get-regexp", "extraheader"], { env });
    expect(seen.trim()).toBe(
      `http.https://github.example.com/.extraheader AUTHORIZATION: basic ${Buffer.from("x-access-token:t0ken").toString("base64")}`,
    );
    expect(remoteAuthEnvironment({})).toEqual({});
    // an existing GIT_CONFIG_COUNT is extended, not overwritten
    expect(remoteAuthEnvironment({ LOCKSTEP_GIT_TOKEN: "x", GIT_CONFIG_COUNT: "2" })).toMatchObject({
      GIT_CONFIG_COUNT: "3",
      GIT_CONFIG_KEY_2: "http.https://github.com/.extraheader",
    });
    // and nothing is written to the repository's config
    await expect(git.run(["config", "--get-regexp", "extraheader"])).rejects.toThrow();
  });
});
