import * as core from "@actions/core";
import { GitHubClient } from "@lockstep/github";

/** This workflow run's page, from the runner's GITHUB_* variables. */
export function runUrlOf(env: NodeJS.ProcessEnv): string | undefined {
  return env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : undefined;
}

/** What every pull-request action takes from the runner: the token (masked), the repository, its run. */
export function githubContext(env: NodeJS.ProcessEnv): {
  github: GitHubClient;
  repository: string;
  dir: string;
  runUrl?: string;
} {
  const token = core.getInput("token", { required: true });
  core.setSecret(token);
  // checkouts persist no credentials: git's pushes and fetches take the token from here alone
  process.env.LOCKSTEP_GIT_TOKEN = token;
  const repository = env.GITHUB_REPOSITORY;
  if (!repository) throw new Error("GITHUB_REPOSITORY is not set: this action runs in a GitHub workflow");
  const runUrl = runUrlOf(env);
  return {
    github: new GitHubClient({ repository, token, apiUrl: env.GITHUB_API_URL }),
    repository,
    dir: env.GITHUB_WORKSPACE ?? process.cwd(),
    ...(runUrl ? { runUrl } : {}),
  };
}
