import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { githubRepository, readDeployConfig } from "@lockstep/deploy";
import { GitHubClient, repositoryFindings, SECURITY_POLICY } from "@lockstep/github";
import { CliError, EXIT } from "../errors.js";
import { lockPath } from "../lock-io.js";
import { table, type Output } from "../output.js";

export interface DoctorOptions {
  repo?: string;
  branch?: string;
  json?: boolean;
}

/** The repository to read: --repo, GITHUB_REPOSITORY, or lockstep.deploy.json's repository URL. */
async function repositoryName(options: DoctorOptions, env: NodeJS.ProcessEnv): Promise<string> {
  if (options.repo) return options.repo;
  if (env.GITHUB_REPOSITORY) return env.GITHUB_REPOSITORY;
  const path = join(dirname(lockPath(undefined, env)), "lockstep.deploy.json");
  if (existsSync(path)) {
    const { owner, repo } = githubRepository(await readDeployConfig(path));
    if (owner && repo) return `${owner}/${repo}`;
  }
  throw new CliError(
    "name the repository: --repo owner/name (or GITHUB_REPOSITORY, or lockstep.deploy.json's repository)",
  );
}

/**
 * `lockstep doctor github`: reads the repository's settings through the GitHub API and lists, for
 * each thing docs/security.md asks (rules on the default branch, CODEOWNERS, environments, the
 * OIDC subject template, Actions permissions), whether it holds and how to fix it. Exit 1 while
 * anything is open.
 */
export async function doctorGithub(
  options: DoctorOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const token = env.GITHUB_TOKEN;
  if (!token)
    throw new CliError("set GITHUB_TOKEN (a token that can read the repository's administration settings)");
  const repository = await repositoryName(options, env);
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository))
    throw new CliError(`--repo must be owner/name, got ${JSON.stringify(repository.slice(0, 80))}`);
  const branch = options.branch ?? "main";
  if (!/^[\w./-]{1,255}$/.test(branch) || branch.startsWith("-") || branch.includes(".."))
    throw new CliError(`--branch ${JSON.stringify(branch.slice(0, 80))} is not a branch name`);
  const github = new GitHubClient({ repository, token, apiUrl: env.GITHUB_API_URL });
  out.progress(`reading ${repository}'s settings`);
  const findings = await repositoryFindings(github, { ...SECURITY_POLICY, branch });
  const open = findings.filter((f) => !f.ok);
  if (options.json) out.json({ repository, ok: open.length === 0, findings });
  else {
    out.result(
      table([["", "setting", "now"], ...findings.map((f) => [f.ok ? "ok" : "OPEN", f.name, f.detail])]),
    );
    for (const f of open) out.result(`- ${f.name}: ${f.fix}`);
    out.result(
      open.length === 0
        ? `${repository}: every setting docs/security.md asks for holds`
        : `${repository}: ${open.length} of ${findings.length} settings open (docs/security.md, "Repository settings")`,
    );
  }
  return open.length === 0 ? EXIT.ok : EXIT.failure;
}
