import { emptyLock, LOCKFILE_NAME, parseLock, type LockFile } from "@lockstep/lockfile";
import type { GitHubClient, UpsertResult } from "@lockstep/github";
import { upsertPullRequest } from "@lockstep/github";
import { GitRepo } from "./git-repo.js";
import type { PullRequestDraft } from "./pull-request.js";
import { lockChange } from "./rendered-change.js";

export const BOT_AUTHOR = { name: "lockstep[bot]", email: "lockstep@users.noreply.github.com" };
/** How far back a revert looks for the previous pin. */
export const MAX_HISTORY = 500;

export interface LockChangeOptions {
  dir: string;
  base?: string;
  /** Push here and open the pull request through `github`; undefined = a local branch only. */
  remote?: string;
  github?: GitHubClient;
  lockPath?: string;
  log?: (line: string) => void;
}

export interface LockChangeResult<T> {
  branch: string;
  commit: string;
  baseCommit: string;
  /** Rendered manifests the commit changes beside the lock. */
  manifests: string[];
  draft: PullRequestDraft;
  pullRequest?: UpsertResult;
  detail: T;
}

export const lockAt = (text: string | undefined, source: string): LockFile =>
  text === undefined ? emptyLock() : parseLock(text, source);

/**
 * The base's lock file at each commit that changed it, newest first (at most MAX_HISTORY), along
 * the base branch's first parents only: a pin that lived only inside a merged side branch never
 * was the branch's pin (so it cannot vouch for a promotion or be restored by a revert).
 */
export async function lockHistory(git: GitRepo, from: string, lockPath: string) {
  const commits = (
    await git.run([
      "log",
      "--first-parent",
      `--max-count=${MAX_HISTORY}`,
      "--format=%H",
      from,
      "--",
      lockPath,
    ])
  )
    .split("\n")
    .filter(Boolean);
  const out: { commit: string; lock: LockFile }[] = [];
  for (const commit of commits) {
    const text = await git.show(commit, lockPath);
    if (text === undefined) continue;
    try {
      out.push({ commit, lock: parseLock(text, `${lockPath}@${commit.slice(0, 12)}`) });
    } catch {
      // a revision whose lock does not parse holds no pin to restore
    }
  }
  return out;
}

/**
 * A lock change as one commit on its own branch, made from the base's lock by `change` (which
 * throws to refuse), with the manifests re-rendered beside it; then the one pull request for that
 * branch, opened or brought up to date. The branch is rebuilt from the base on every run.
 */
export async function proposeLockChange<T>(
  options: LockChangeOptions,
  branch: string,
  change: (
    base: LockFile,
    context: { git: GitRepo; baseCommit: string; lockPath: string },
  ) => Promise<{
    lock: LockFile;
    /** A new lockstep.deploy.json to commit beside the lock (the image release). */
    config?: string;
    message: string;
    detail: T;
    draft: (manifests: string[]) => PullRequestDraft;
  }>,
): Promise<LockChangeResult<T>> {
  const base = options.base ?? "main";
  const lockPath = options.lockPath ?? LOCKFILE_NAME;
  const git = new GitRepo(options.dir);
  GitRepo.checkRef(branch);
  GitRepo.checkRef(base);
  const ref = (name: string) =>
    options.remote ? `refs/remotes/${options.remote}/${name}` : `refs/heads/${name}`;
  for (let attempt = 1; ; attempt++) {
    if (options.remote) await git.fetch(options.remote, [base, branch]);
    const baseCommit = await git.resolve(ref(base));
    if (!baseCommit)
      throw new Error(
        `the base branch "${base}" does not exist${options.remote ? ` on ${options.remote}` : ""}`,
      );
    const baseLock = lockAt(await git.show(baseCommit, lockPath), `${base}:${lockPath}`);
    const made = await change(baseLock, { git, baseCommit, lockPath });
    const files = await lockChange(git, baseCommit, lockPath, made.lock, made.config);
    const commit = await git.commitFiles(baseCommit, files.files, made.message, BOT_AUTHOR);
    const branchCommit = await git.resolve(ref(branch));
    // the branch already holds this very change on this base: keep it (no new commit, no push)
    const same =
      branchCommit !== undefined &&
      (await git.run(["rev-parse", `${branchCommit}^`, `${branchCommit}^{tree}`, `${commit}^{tree}`]))
        .trim()
        .split("\n")
        .every((line, i, all) => (i === 0 ? line === baseCommit : line === all[1]));
    if (same || (await git.moveBranch(options.remote, branch, commit, branchCommit))) {
      const head = same ? branchCommit! : commit;
      options.log?.(
        `${branch}: ${head.slice(0, 12)} on ${base} ${baseCommit.slice(0, 12)}${same ? " (unchanged)" : ""}`,
      );
      const draft = made.draft(files.rendered);
      const pullRequest =
        options.github && options.remote ? await upsertPullRequest(options.github, draft, base) : undefined;
      if (pullRequest)
        options.log?.(`pull request #${pullRequest.number} ${pullRequest.action}: ${pullRequest.url}`);
      return {
        branch,
        commit: head,
        baseCommit,
        manifests: files.rendered,
        draft,
        detail: made.detail,
        ...(pullRequest ? { pullRequest } : {}),
      };
    }
    if (attempt >= 3)
      throw new Error(`${branch} kept moving under this run (${attempt} attempts): try again`);
    options.log?.(`${branch} moved meanwhile: making the change again`);
  }
}
