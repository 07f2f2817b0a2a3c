import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { PinSource } from "@lockstep/lockfile";

const run = promisify(execFile);

async function git(args: string[], cwd: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch {
    return undefined;
  }
}

/** The commit and CI run a training came from (GITHUB_* variables on Actions, git HEAD locally). */
export async function pinSource(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<PinSource> {
  const commit = env.GITHUB_SHA ?? (await git(["rev-parse", "HEAD"], cwd))?.trim();
  const source: PinSource = {};
  if (commit && /^[0-9a-f]{40}$/.test(commit)) source.commit = commit;
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    source.runUrl = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  return source;
}

const safeRevision = (revision: string) => /^[\w./~^@{}-]+$/.test(revision) && !revision.startsWith("-");

/** Whether a revision names a commit in the repository at `cwd`. */
export async function revisionExists(cwd: string, revision: string): Promise<boolean> {
  if (!safeRevision(revision)) return false;
  return (await git(["rev-parse", "--verify", "--quiet", `${revision}^{commit}`], cwd)) !== undefined;
}

/** A file's text at a git revision, or undefined when the revision or file does not exist. */
export async function readAtRevision(
  cwd: string,
  revision: string,
  path: string,
): Promise<string | undefined> {
  if (!safeRevision(revision)) return undefined;
  return git(["show", `${revision}:${path}`], cwd);
}

/** Every file under `dir` at a git revision (repository paths), or undefined when the revision does not exist. */
export async function listAtRevision(
  cwd: string,
  revision: string,
  dir: string,
): Promise<string[] | undefined> {
  if (!safeRevision(revision) || dir.startsWith("-")) return undefined;
  const out = await git(["ls-tree", "-r", "--name-only", revision, "--", dir], cwd);
  return out?.split("\n").filter(Boolean);
}
