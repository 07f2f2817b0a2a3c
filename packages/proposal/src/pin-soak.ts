import { parseLock } from "@lockstep/lockfile";
import type { GitRepo } from "./git-repo.js";
import { MAX_HISTORY } from "./lock-change-request.js";

/** How long an environment has pinned an artifact, from the base branch's history of the lock. */
export interface PinSoak {
  /** The first-parent commit that pinned it there (the merge of its pull request). */
  commit: string;
  /** That commit's committer time: when the pin reached the branch. */
  since: Date;
  /** When a later commit pinned another artifact there; undefined while it is still the pin. */
  until?: Date;
  /** The history ended (MAX_HISTORY commits) while it was still pinned: it was pinned at least this long. */
  truncated: boolean;
  /** Served time: `until` (or `now`) minus `since`, in milliseconds. */
  ms: number;
}

/**
 * The newest stretch of `from`'s first-parent history in which `environment` pinned `sha256` for
 * `model`: from the commit that pinned it to the commit that replaced it (or now). Undefined when
 * no revision of the lock on `from` pins it there. Merge times are committer times on the branch,
 * so a pull request merged today counts from today, whenever its commit was written.
 */
export async function pinSoak(
  git: GitRepo,
  from: string,
  lockPath: string,
  model: string,
  environment: string,
  sha256: string,
  now = new Date(),
): Promise<PinSoak | undefined> {
  const log = (
    await git.run([
      "log",
      "--first-parent",
      `--max-count=${MAX_HISTORY}`,
      "--format=%H %ct",
      from,
      "--",
      lockPath,
    ])
  )
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [commit, seconds] = line.split(" ") as [string, string];
      return { commit, time: new Date(Number(seconds) * 1000) };
    });
  let newer: Date | undefined; // the commit after the stretch: it replaced the pin
  let found: { commit: string; time: Date; until?: Date } | undefined;
  for (const [i, revision] of log.entries()) {
    const text = await git.show(revision.commit, lockPath);
    let pinned: string | undefined;
    try {
      pinned =
        text === undefined ? undefined : parseLock(text, lockPath).models[model]?.pins[environment]?.sha256;
    } catch {
      continue; // a revision whose lock does not parse says nothing either way
    }
    if (pinned === sha256) {
      const until = found ? found.until : newer;
      found = { commit: revision.commit, time: revision.time, ...(until ? { until } : {}) };
      if (i === log.length - 1 && log.length >= MAX_HISTORY) return soak(found, true, now);
      continue;
    }
    if (found) return soak(found, false, now);
    newer = revision.time;
  }
  return found && soak(found, false, now);
}

function soak(found: { commit: string; time: Date; until?: Date }, truncated: boolean, now: Date): PinSoak {
  const end = found.until ?? now;
  return {
    commit: found.commit,
    since: found.time,
    ...(found.until ? { until: found.until } : {}),
    truncated,
    ms: Math.max(0, end.getTime() - found.time.getTime()),
  };
}
