import * as core from "@actions/core";
import { postChatMessage, upsertFailureIssue, type ChatTarget } from "@lockstep/github";
import { githubContext } from "../../shared/github-context.js";

/** The chat targets the inputs configure (secrets masked); none when no webhook is set. */
export function chatTargets(): ChatTarget[] {
  const targets: ChatTarget[] = [];
  const slack = core.getInput("slack-webhook-url");
  if (slack) {
    core.setSecret(slack);
    // https, or a loopback address (a local stand-in)
    if (!/^https:\/\/[^\s]+$/.test(slack) && !/^http:\/\/127\.0\.0\.1:\d+\//.test(slack))
      throw new Error("slack-webhook-url must be an https:// URL");
    targets.push({ kind: "slack", webhookUrl: slack });
  }
  const botToken = core.getInput("telegram-bot-token");
  const chatId = core.getInput("telegram-chat-id");
  if (botToken || chatId) {
    if (!botToken || !chatId) throw new Error("telegram-bot-token and telegram-chat-id go together");
    core.setSecret(botToken);
    if (!/^\d+:[\w-]+$/.test(botToken))
      throw new Error("telegram-bot-token is not a bot token (123456:ABC-…)");
    if (!/^(-?\d{1,20}|@\w{5,32})$/.test(chatId))
      throw new Error("telegram-chat-id must be a chat id or @channel");
    targets.push({
      kind: "telegram",
      botToken,
      chatId,
      apiUrl: core.getInput("telegram-api-url") || undefined,
    });
  }
  return targets;
}

/** Upserts the workflow's failure issue, then posts to each chat (a chat that fails is a warning, not a failure). */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const { github, runUrl } = githubContext(env);
    const workflow = core.getInput("workflow", { required: true });
    if (!/^[\w.-]{1,64}$/.test(workflow))
      throw new Error(`workflow must be a workflow name, got "${workflow.slice(0, 64)}"`);
    const targets = chatTargets();
    const issue = await upsertFailureIssue(github, {
      workflow,
      ...(runUrl ? { runUrl } : {}),
      ...(env.GITHUB_REF_NAME ? { ref: env.GITHUB_REF_NAME } : {}),
      details: core.getInput("details") || undefined,
    });
    core.setOutput("issue-number", String(issue.number));
    core.setOutput("issue-url", issue.url);
    core.info(`failure issue #${issue.number} ${issue.action} (${issue.failures} failures)`);
    const text = `${workflow} failed${env.GITHUB_REF_NAME ? ` on ${env.GITHUB_REF_NAME}` : ""} (${issue.failures === 1 ? "first failure" : `${issue.failures} failures`}): ${runUrl ?? ""}\nIssue: ${issue.url}`;
    for (const target of targets) {
      try {
        await postChatMessage(target, text);
        core.info(`posted to ${target.kind}`);
      } catch (error) {
        core.warning(`could not post to ${target.kind}: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
