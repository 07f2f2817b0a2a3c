import * as core from "@actions/core";
import { upsertPullRequestSection } from "@lockstep/github";
import { githubContext } from "../../shared/github-context.js";

/** Markdown beyond this is refused: a pull request body holds 65,536 characters in all. */
export const MAX_MARKDOWN_CHARS = 100_000;

/** Sets the named section of the pull request's body from the inputs, and says what it did. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const { github } = githubContext(env);
    const number = core.getInput("number", { required: true });
    if (!/^[1-9]\d{0,9}$/.test(number))
      throw new Error(`number must be a pull request's number, got "${number.slice(0, 40)}"`);
    const markdown = core.getInput("markdown");
    if (markdown.length > MAX_MARKDOWN_CHARS)
      throw new Error(
        `markdown is ${markdown.length} characters, over ${MAX_MARKDOWN_CHARS}: nothing was written`,
      );
    const section = core.getInput("section", { required: true });
    const outcome = await upsertPullRequestSection(github, Number(number), section, markdown);
    core.setOutput("action", outcome.action);
    core.setOutput("url", outcome.url);
    core.info(`pull request #${outcome.number}: section "${section}" ${outcome.action} (${outcome.url})`);
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
