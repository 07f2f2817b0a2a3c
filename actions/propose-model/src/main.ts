import * as core from "@actions/core";
import { githubContext } from "../../shared/github-context.js";
import { setUpStoreCredentials } from "../../shared/store-credentials.js";
import { join } from "node:path";
import { runProposal } from "@lockstep/proposal";
import { replaySection } from "@lockstep/replay";
import { recentRunsSection } from "@lockstep/runs";
import { openStore } from "@lockstep/store";

/** Reads the inputs, proposes the candidate, sets the outputs and writes the job summary. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const { github, dir, runUrl } = githubContext(env);
    const sampleUri = core.getInput("replay-sample") || undefined;
    const result = await core.group("propose", () =>
      runProposal({
        dir,
        candidatePath: core.getInput("candidate", { required: true }),
        reportPath: core.getInput("report") || undefined,
        base: core.getInput("base") || "main",
        remote: "origin",
        github,
        runUrl,
        attestation: core.getInput("attestation") || undefined,
        log: core.info,
        // the gate metric over the model's recent runs, from the run records in the store
        // (the job's store credentials, as the train action gets them; a failure leaves the section out)
        trend: async (candidate, current) => {
          await setUpStoreCredentials(env);
          const store = openStore(env.LOCKSTEP_STORE ?? "file://.lockstep/store", { baseDir: dir, env });
          return recentRunsSection(store, candidate.model, {
            metric: candidate.gate.metric,
            goal: candidate.gate.goal,
            environment: candidate.environment,
            pinnedSha256: current?.sha256,
            candidateSha256: candidate.pin.sha256,
          });
        },
        // the shadow replay against the current pin, when a sample is configured
        ...(sampleUri
          ? {
              replay: (candidate, current) =>
                replaySection({
                  model: candidate.model,
                  environment: candidate.environment,
                  lockPath: join(dir, "models.lock.json"),
                  candidate: candidate.pin,
                  current,
                  storeUri: env.LOCKSTEP_STORE ?? "file://.lockstep/store",
                  sampleUri,
                  env,
                  progress: core.info,
                }),
            }
          : {}),
      }),
    );
    const { outcome, draft, pullRequest } = result;
    core.setOutput("status", outcome.status);
    core.setOutput("proposed", String(pullRequest !== undefined));
    core.setOutput("branch", outcome.branch);
    if ("commit" in outcome) core.setOutput("commit", outcome.commit);
    if (pullRequest) {
      core.setOutput("pull-request-number", String(pullRequest.number));
      core.setOutput("pull-request-url", pullRequest.url);
    }
    const summary = core.summary.addHeading(
      `${result.candidate.model} in ${result.candidate.environment}`,
      2,
    );
    if (draft && pullRequest) {
      summary.addRaw(`Pull request [#${pullRequest.number}](${pullRequest.url}) ${pullRequest.action}.\n\n`);
      summary.addRaw(draft.body.replace(/^<!--.*-->\n\n/, ""));
    } else if ("reason" in outcome) {
      core.setOutput("reason", outcome.reason);
      summary.addRaw(`Nothing proposed: ${outcome.reason}.\n`);
      core.notice(`nothing proposed: ${outcome.reason}`);
    }
    await summary.write();
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
