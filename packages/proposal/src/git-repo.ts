import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export class GitError extends Error {
  override readonly name = "GitError";
  readonly code = "GIT_FAILED";
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} failed: ${stderr.trim().split("\n").slice(-3).join(" ") || "no message"}`);
  }
}

const REF = /^(?!-)(?!.*\.\.)[\w./-]+$/;
const REMOTE_COMMANDS = new Set(["push", "fetch", "ls-remote"]);

/**
 * The token for a remote command, as git config in the environment (never on a command line, never
 * in .git/config): checkouts keep no credentials, and only the commands that talk to the remote
 * carry LOCKSTEP_GIT_TOKEN (or GITHUB_TOKEN) as an extra header for the GitHub server.
 */
export function remoteAuthEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const token = env.LOCKSTEP_GIT_TOKEN || env.GITHUB_TOKEN;
  if (!token) return {};
  const server = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
  const index = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  return {
    GIT_CONFIG_COUNT: String(index + 1),
    [`GIT_CONFIG_KEY_${index}`]: `http.${server}/.extraheader`,
    [`GIT_CONFIG_VALUE_${index}`]: `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`,
  };
}

/** The git plumbing a proposal needs, run in one repository without touching its working tree. */
export class GitRepo {
  constructor(readonly dir: string) {}

  run(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        "git",
        args,
        {
          cwd: this.dir,
          env: {
            ...process.env,
            ...(REMOTE_COMMANDS.has(args[0] ?? "") ? remoteAuthEnvironment(process.env) : {}),
            ...options.env,
          },
          maxBuffer: 64 * 1024 * 1024,
        },
        // git push --porcelain reports rejected refs on stdout: keep both for the caller to read
        (error, stdout, stderr) =>
          error
            ? reject(new GitError(args, [stderr, stdout].filter(Boolean).join("\n") || error.message))
            : resolve(stdout),
      );
      if (options.input !== undefined) child.stdin!.end(options.input);
    });
  }

  static checkRef(ref: string): string {
    if (!REF.test(ref)) throw new GitError(["check-ref-format", ref], `"${ref}" is not a safe ref name`);
    return ref;
  }

  /** The commit a ref points at, or undefined when it does not exist. */
  async resolve(ref: string): Promise<string | undefined> {
    try {
      return (
        await this.run(["rev-parse", "--verify", "--quiet", `${GitRepo.checkRef(ref)}^{commit}`])
      ).trim();
    } catch {
      return undefined;
    }
  }

  /** A file's text at a commit, or undefined when the file is not there. */
  async show(commit: string, path: string): Promise<string | undefined> {
    try {
      return await this.run(["show", `${commit}:${path}`]);
    } catch {
      return undefined;
    }
  }

  /** Fetches branches from a remote into refs/remotes/<remote>/*; branches the remote lacks are skipped. */
  async fetch(remote: string, branches: string[]): Promise<void> {
    const heads = await this.run(["ls-remote", "--heads", remote, ...branches.map(GitRepo.checkRef)]);
    const present = heads
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t")[1]!.replace(/^refs\/heads\//, ""));
    if (present.length === 0) return;
    await this.run([
      "fetch",
      "--quiet",
      "--no-tags",
      remote,
      ...present.map((b) => `+refs/heads/${b}:refs/remotes/${remote}/${b}`),
    ]);
    // a branch deleted on the remote must not linger as a stale remote-tracking ref
    for (const b of branches.filter((b) => !present.includes(b)))
      await this.run(["update-ref", "-d", `refs/remotes/${remote}/${b}`]).catch(() => undefined);
  }

  /** A commit on `parent` that changes one file, made with plumbing (no checkout, no index touched). */
  commitFile(
    parent: string,
    path: string,
    content: string,
    message: string,
    author: { name: string; email: string },
  ): Promise<string> {
    return this.commitFiles(parent, new Map([[path, content]]), message, author);
  }

  /** Blob ids of the files under `dirs` at a commit (path → id). */
  async treeFiles(commit: string, dirs: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const text = await this.run(["ls-tree", "-r", "-z", "--full-tree", commit, "--", ...dirs]);
    for (const entry of text.split("\0").filter(Boolean)) {
      const [meta = "", path = ""] = entry.split("\t");
      const [, type, id] = meta.split(" ");
      if (type === "blob" && id) out.set(path, id);
    }
    return out;
  }

  /**
   * A commit on `parent` that writes some files and removes others (null), made with plumbing: the
   * user's index and working tree stay as they are.
   */
  async commitFiles(
    parent: string,
    changes: ReadonlyMap<string, string | null>,
    message: string,
    author: { name: string; email: string },
  ): Promise<string> {
    // a private index outside the repository: the user's index and worktree stay as they are
    const index = join(await mkdtemp(join(tmpdir(), "lockstep-index-")), "index");
    const env = {
      GIT_INDEX_FILE: index,
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    try {
      await this.run(["read-tree", parent], { env });
      const lines: string[] = [];
      for (const [path, content] of changes) {
        if (content === null) {
          lines.push(`0 ${"0".repeat(40)}\t${path}`);
          continue;
        }
        const blob = (await this.run(["hash-object", "-w", "--stdin"], { input: content })).trim();
        lines.push(`100644 ${blob}\t${path}`);
      }
      if (lines.length > 0)
        await this.run(["update-index", "--index-info"], { env, input: `${lines.join("\n")}\n` });
      const tree = (await this.run(["write-tree"], { env })).trim();
      return (await this.run(["commit-tree", tree, "-p", parent, "-F", "-"], { env, input: message })).trim();
    } finally {
      await rm(dirname(index), { recursive: true, force: true });
    }
  }

  /**
   * Points `branch` at `commit` only if it still points at `expected` (undefined = must not exist):
   * on a remote with --force-with-lease, locally with update-ref's old-value check. False when
   * someone else moved the branch first.
   */
  async moveBranch(
    remote: string | undefined,
    branch: string,
    commit: string,
    expected?: string,
  ): Promise<boolean> {
    GitRepo.checkRef(branch);
    try {
      if (remote) {
        await this.run([
          "push",
          "--quiet",
          "--porcelain",
          `--force-with-lease=refs/heads/${branch}:${expected ?? ""}`,
          remote,
          `${commit}:refs/heads/${branch}`,
        ]);
      } else {
        await this.run(["update-ref", `refs/heads/${branch}`, commit, expected ?? "0".repeat(40)]);
      }
      return true;
    } catch (error) {
      const text = (error as GitError).stderr ?? "";
      // someone else moved the branch: the lease failed, or two pushes met on the remote
      if (
        /stale info|rejected|cannot lock ref|but expected|failed to update ref|reference already exists/i.test(
          text,
        )
      )
        return false;
      throw error;
    }
  }
}
