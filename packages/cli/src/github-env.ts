import { GitHubClient } from "@lockstep/github";
import { CliError } from "./errors.js";

/** The GitHub client a pull request is opened with: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL. */
export function githubFromEnv(env: NodeJS.ProcessEnv): GitHubClient {
  if (!env.GITHUB_TOKEN || !env.GITHUB_REPOSITORY)
    throw new CliError(
      "opening a pull request needs GITHUB_TOKEN and GITHUB_REPOSITORY; use --local for a local branch",
    );
  try {
    return new GitHubClient({
      repository: env.GITHUB_REPOSITORY,
      token: env.GITHUB_TOKEN,
      apiUrl: env.GITHUB_API_URL,
    });
  } catch (error) {
    throw new CliError(`GITHUB_REPOSITORY: ${(error as Error).message}`);
  }
}
