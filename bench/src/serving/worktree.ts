import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * A commit's source tree beside this one, ready to run: a git worktree whose node_modules link to
 * this tree's installed packages, except Lockstep's own workspaces, which resolve inside the
 * worktree (so the commit's packages run, not this tree's).
 */
export function worktreeOf(
  repo: string,
  ref: string,
  dir: string,
): { dir: string; commit: string; remove(): void } {
  const commit = execFileSync("git", ["-C", repo, "rev-parse", "--short", ref], { encoding: "utf8" }).trim();
  execFileSync("git", ["-C", repo, "worktree", "add", "--detach", "--force", dir, commit], {
    stdio: "ignore",
  });
  const { workspaces } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
    workspaces: string[];
  };
  for (const workspace of ["", ...workspaces]) {
    const installed = join(repo, workspace, "node_modules");
    if (!existsSync(installed) || !existsSync(join(dir, workspace))) continue;
    const target = join(dir, workspace, "node_modules");
    mkdirSync(target, { recursive: true });
    for (const entry of readdirSync(installed)) {
      if (entry === "@lockstep") {
        // workspace links are relative (../../packages/x): re-made, they point into the worktree
        mkdirSync(join(target, entry), { recursive: true });
        for (const pkg of readdirSync(join(installed, entry))) {
          symlinkSync(readlinkSync(join(installed, entry, pkg)), join(target, entry, pkg));
        }
      } else if (!existsSync(join(target, entry))) {
        symlinkSync(join(installed, entry), join(target, entry));
      }
    }
  }
  return {
    dir,
    commit,
    remove: () =>
      execFileSync("git", ["-C", repo, "worktree", "remove", "--force", dir], { stdio: "ignore" }),
  };
}
