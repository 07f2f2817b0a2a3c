import { execFile } from "node:child_process";
import { copyFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { FakeGitHub } from "@lockstep/github/testing";
import { serializeLock, type LockFile } from "@lockstep/lockfile";

/** The repository root: its deploy config and node_modules' data sets. */
export const ROOT = resolve(import.meta.dirname, "../../..");
export const exec = promisify(execFile);

/** git in `cwd`, its commits dated `date` (author and committer alike). */
export async function git(cwd: string, args: string[], date?: string): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@example.com",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@example.com",
    ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}),
  };
  return (await exec("git", args, { cwd, env })).stdout;
}

export const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

/** A clone of a bare origin, main holding the repository's deploy config and `watchConfig`. */
export interface WatchRepo {
  /** The temp dir holding origin.git and the clone (and the test's data files). */
  work: string;
  clone: string;
  lockFile: string;
  /** The lock committed on main and pushed, as a merged pull request leaves it. */
  merge(lock: LockFile, message: string, date: string): Promise<void>;
}

export async function watchRepo(watchConfig: unknown, configDate: string): Promise<WatchRepo> {
  const work = await mkdtemp(join(tmpdir(), "lockstep-watch-"));
  const origin = join(work, "origin.git");
  const clone = join(work, "clone");
  const lockFile = join(clone, "models.lock.json");
  await exec("git", ["init", "-q", "--bare", "--initial-branch=main", origin]);
  await exec("git", ["init", "-q", "--initial-branch=main", clone]);
  await git(clone, ["remote", "add", "origin", origin]);
  await copyFile(join(ROOT, "lockstep.deploy.json"), join(clone, "lockstep.deploy.json"));
  await writeFile(join(clone, "lockstep.watch.json"), JSON.stringify(watchConfig));
  await git(clone, ["add", "lockstep.deploy.json", "lockstep.watch.json"]);
  await git(clone, ["commit", "-q", "-m", "deployment and watch config"], configDate);
  return {
    work,
    clone,
    lockFile,
    async merge(lock, message, date) {
      await writeFile(lockFile, serializeLock(lock));
      await git(clone, ["add", "models.lock.json"]);
      await git(clone, ["commit", "-q", "-m", message], date);
      await git(clone, ["push", "-q", "origin", "main"]);
    },
  };
}

/** The environment a watch run in GitHub Actions has, pointed at the fake. */
export const githubEnv = (github: FakeGitHub, token: string): NodeJS.ProcessEnv => ({
  ...process.env,
  GITHUB_TOKEN: token,
  GITHUB_REPOSITORY: "acme/models",
  GITHUB_API_URL: github.url,
});
