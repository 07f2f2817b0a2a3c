import * as core from "@actions/core";
import { githubContext } from "../../shared/github-context.js";
import { promotionEvidence } from "@lockstep/cli";
import { runPromotion } from "@lockstep/proposal";

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

function name(input: string, fallback?: string): string {
  const value = core.getInput(input, { required: fallback === undefined }) || fallback!;
  if (!NAME.test(value))
    throw new Error(`input ${input} must be a lowercase name like staging, got ${JSON.stringify(value)}`);
  return value;
}

/** Reads the inputs, opens the promotion pull request, sets the outputs and writes the job summary. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const { github, dir, runUrl } = githubContext(env);
    const model = name("model");
    const from = name("from", "staging");
    const to = name("to", "production");
    const input = (key: string) => core.getInput(key).trim() || undefined;
    const reportStore = input("report-store");
    const prometheus = input("prometheus");
    const replaySample = input("replay-sample");
    const store = input("store") ?? (env.LOCKSTEP_STORE?.trim() || undefined);
    const result = await core.group("promote", () =>
      runPromotion({
        dir,
        model,
        from,
        to,
        base: core.getInput("base") || "main",
        remote: "origin",
        github,
        runUrl,
        log: core.info,
        // this job holds no store credentials unless given: reports only from a store named here
        evidence: promotionEvidence({
          model,
          from,
          to,
          dir,
          env,
          configStore: false,
          progress: core.info,
          ...(reportStore ? { reportStore } : {}),
          ...(prometheus ? { prometheus } : {}),
          ...(replaySample ? { replaySample } : {}),
          ...(store ? { storeUri: store } : {}),
        }),
      }),
    );
    const { pin } = result.detail;
    core.setOutput("branch", result.branch);
    core.setOutput("commit", result.commit);
    core.setOutput("version", pin.version);
    core.setOutput("sha256", pin.sha256);
    if (result.pullRequest) {
      core.setOutput("pull-request-number", String(result.pullRequest.number));
      core.setOutput("pull-request-url", result.pullRequest.url);
    }
    await core.summary
      .addHeading(`${model}: ${from} → ${to}`, 2)
      .addRaw(
        result.pullRequest
          ? `Pull request [#${result.pullRequest.number}](${result.pullRequest.url}) ${result.pullRequest.action}.\n\n`
          : "",
      )
      .addRaw(result.draft.body.replace(/^<!--.*-->\n\n/, ""))
      .write();
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
