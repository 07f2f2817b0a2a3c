import {
  applyPinGate,
  bumpPin,
  emptyLock,
  LOCKFILE_NAME,
  nextVersion,
  parseLock,
  type PairedVerdict,
  type LockFile,
  type Pin,
} from "@lockstep/lockfile";
import type { CandidateFile } from "./candidate.js";
import { GitRepo } from "./git-repo.js";
import { lockHistory } from "./lock-change-request.js";
import { branchDeployment, lockChange, previewUrl } from "./rendered-change.js";
import { proposalBranch } from "./pull-request.js";

export interface ProposeOptions {
  /** The repository's working directory (only its object store and refs are used). */
  dir: string;
  candidate: CandidateFile;
  /** The branch the lock is merged into (default main). */
  base?: string;
  /** The remote to push to (origin on Actions); undefined = a local branch only. */
  remote?: string;
  /** The lock's path in the repository (default models.lock.json). */
  lockPath?: string;
  author?: { name: string; email: string };
  /** Attempts when another run moves the branch at the same time (default 3). */
  attempts?: number;
  log?: (line: string) => void;
}

interface Common {
  branch: string;
  verdict: PairedVerdict;
  /** The base branch's pin for the model and environment. */
  current?: Pin;
}

export type ProposeOutcome =
  /** The branch now holds the base lock with the candidate pinned (commit); `previous` was replaced. */
  | (Common & {
      status: "proposed";
      commit: string;
      pin: Pin;
      previous?: Pin;
      /** Rendered manifests the commit changes beside the lock. */
      manifests: string[];
      /** Where Argo CD previews the candidate while the pull request is open. */
      preview?: string;
    })
  /** The branch already proposes this very artifact: nothing to push. */
  | (Common & { status: "unchanged"; commit: string; pin: Pin; manifests: string[]; preview?: string })
  /** The candidate does not beat the base's pin: nothing is proposed. */
  | (Common & { status: "rejected"; reason: string })
  /** The branch already proposes a candidate at least as good: it stays. */
  | (Common & { status: "superseded"; reason: string; proposed: Pin });

const DEFAULT_AUTHOR = { name: "lockstep[bot]", email: "lockstep@users.noreply.github.com" };

function lockAt(text: string | undefined, source: string): LockFile {
  return text === undefined ? emptyLock() : parseLock(text, source);
}

/**
 * Turns a trained candidate into a commit on `lockstep/<model>/<environment>`: the base branch's
 * lock with the candidate pinned, made without touching the working tree. The candidate must pass
 * the model's gate against the base's pin, and must beat whatever the branch already proposes. If
 * another run moves the branch meanwhile, the decision is made again on what it pushed.
 */
export async function proposeCandidate(options: ProposeOptions): Promise<ProposeOutcome> {
  const { candidate, remote } = options;
  const base = options.base ?? "main";
  const lockPath = options.lockPath ?? LOCKFILE_NAME;
  const log = options.log ?? (() => undefined);
  const git = new GitRepo(options.dir);
  const branch = GitRepo.checkRef(proposalBranch(candidate.model, candidate.environment));
  GitRepo.checkRef(base);
  const ref = (name: string) => (remote ? `refs/remotes/${remote}/${name}` : `refs/heads/${name}`);
  const { model, environment, gate } = candidate;

  for (let attempt = 1; ; attempt++) {
    if (remote) await git.fetch(remote, [base, branch]);
    const baseCommit = await git.resolve(ref(base));
    if (!baseCommit)
      throw new Error(`the base branch "${base}" does not exist${remote ? ` on ${remote}` : ""}`);
    const baseLock = lockAt(await git.show(baseCommit, lockPath), `${base}:${lockPath}`);
    const modelGate = baseLock.models[model]?.gate ?? gate;
    const current = baseLock.models[model]?.pins[environment];
    const verdict = applyPinGate(modelGate, candidate.pin, current);
    if (current?.sha256 === candidate.pin.sha256)
      return { status: "rejected", branch, verdict, current, reason: `${base} already pins this artifact` };
    if (!verdict.better) return { status: "rejected", branch, verdict, current, reason: verdict.reason };

    const branchCommit = await git.resolve(ref(branch));
    const proposed = branchCommit
      ? lockAt(await git.show(branchCommit, lockPath), `${branch}:${lockPath}`).models[model]?.pins[
          environment
        ]
      : undefined;
    const previous = proposed && proposed.sha256 !== current?.sha256 ? proposed : undefined;
    if (previous?.sha256 === candidate.pin.sha256 && branchCommit)
      return {
        status: "unchanged",
        branch,
        verdict,
        current,
        commit: branchCommit,
        pin: previous,
        ...(await branchDeployment(git, baseCommit, branchCommit, lockPath, branch, model)),
      };
    if (previous && !applyPinGate(modelGate, candidate.pin, previous).better) {
      const reason = `${branch} already proposes version ${previous.version} (${modelGate.metric} ${previous.metrics[modelGate.metric]}), which this candidate does not beat`;
      return { status: "superseded", branch, verdict, current, reason, proposed: previous };
    }

    // the version is counted from the base lock and its history, whatever the candidate was numbered when trained
    const history = (await lockHistory(git, baseCommit, lockPath)).map((revision) => revision.lock);
    const pin: Pin = {
      ...candidate.pin,
      version: nextVersion(baseLock, model, candidate.pin.sha256, history),
    };
    const lock = bumpPin(baseLock, model, environment, pin, gate);
    const message = `${model}: pin version ${pin.version} in ${environment}\n\n${verdict.reason}\n\nartifact ${pin.sha256}\n`;
    const change = await lockChange(git, baseCommit, lockPath, lock);
    const commit = await git.commitFiles(baseCommit, change.files, message, options.author ?? DEFAULT_AUTHOR);
    if (await git.moveBranch(remote, branch, commit, branchCommit)) {
      log(`${branch}: ${pin.sha256.slice(0, 12)} as version ${pin.version} (${commit.slice(0, 12)})`);
      const preview = change.config ? previewUrl(change.config, branch, model) : undefined;
      return {
        status: "proposed",
        branch,
        verdict,
        current,
        commit,
        pin,
        manifests: change.rendered,
        ...(preview ? { preview } : {}),
        ...(previous ? { previous } : {}),
      };
    }
    if (attempt >= (options.attempts ?? 3))
      throw new Error(`${branch} kept moving under this run (${attempt} attempts): try again`);
    log(`${branch} moved while proposing: deciding again on what is there now`);
  }
}
