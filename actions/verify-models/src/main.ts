import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import * as core from "@actions/core";
import { lockValidate, readLockRef, render, revisionExists, verify, type Output } from "@lockstep/cli";
import { GitHubClient } from "@lockstep/github";
import { remoteAuthEnvironment } from "@lockstep/proposal";
import { replaySection } from "@lockstep/replay";
import { verificationSummary, verificationTable } from "@lockstep/verify";
import { booleanInput } from "../../shared/inputs.js";
import { runUrlOf } from "../../shared/github-context.js";
import { setUpStoreCredentials } from "../../shared/store-credentials.js";

const exec = promisify(execFile);

/** The commit status this action sets on the head: the ruleset's required status (docs/security.md). */
export const VERIFY_STATUS = "lockstep/verify";

export { booleanInput };

/** Makes `revision` (a commit SHA or ref) available, fetching it from origin for shallow checkouts. */
async function ensureRevision(cwd: string, revision: string, what: "base" | "head"): Promise<void> {
  if (!/^[\w./-]+$/.test(revision) || revision.startsWith("-"))
    throw new Error(`${what} ${JSON.stringify(revision.slice(0, 80))} is not a git revision`);
  if (await revisionExists(cwd, revision)) return;
  core.info(`fetching ${revision} from origin`);
  // the checkout keeps no token: a private repository's fetch takes GITHUB_TOKEN from the environment
  const env = { ...process.env, ...remoteAuthEnvironment(process.env) };
  await exec("git", ["fetch", "--no-tags", "--depth=1", "origin", revision], { cwd, env }).catch(
    (error: { stderr?: string }) => {
      throw new Error(
        `cannot fetch the ${what} revision ${revision}: ${error.stderr?.trim() || "git fetch failed"}`,
      );
    },
  );
}

/**
 * Reads the inputs, verifies the pins the head changes since the base (lockstep verify --head
 * --deployed: the head's lock read as data, each pin where its environment's pods load it), sets
 * the outputs and the summary. The workflow runs this from the base commit's checkout.
 */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    const base = core.getInput("base");
    if (!base)
      throw new Error(
        "base is empty: outside a pull_request event, pass the revision to compare against (e.g. origin/main)",
      );
    const reproduce = booleanInput("reproduce", core.getInput("reproduce") || "true");
    const lockFile = resolve(workspace, core.getInput("lock") || "models.lock.json");
    if (!lockFile.startsWith(`${resolve(workspace)}/`))
      throw new Error(
        `lock must be a path inside the workspace, got ${JSON.stringify(core.getInput("lock"))}`,
      );
    const baseDir = dirname(lockFile);
    // the head is data: its lock and deployment config are read with git show, nothing of it runs
    const head = core.getInput("head") || undefined;
    const deployed = booleanInput("deployed", core.getInput("deployed") || "true");
    const attestation = core.getInput("attestation") || "required";
    if (attestation !== "required" && attestation !== "off")
      throw new Error(`attestation must be required or off, got ${JSON.stringify(attestation.slice(0, 40))}`);
    await setUpStoreCredentials(env);
    await ensureRevision(baseDir, base, "base");
    if (head) await ensureRevision(baseDir, head, "head");

    const out: Output = {
      result: core.info,
      json: () => {},
      progress: core.info,
      warn: core.warning,
      error: core.error,
    };
    // the head's lock as `lock validate --strict` sees it: every pin an object of a configured store
    if (head && deployed) {
      const problems: string[] = [];
      const strict = { ...out, result: () => {}, error: (line: string) => problems.push(line) };
      if ((await lockValidate(`git:${head}`, { strict: true, trustedConfig: `git:${base}` }, strict)) !== 0)
        throw new Error(`the head's models.lock.json is not valid under --strict:\n${problems.join("\n")}`);
    }
    const { results } = await core.group("verify", () =>
      verify(
        `git:${base}`,
        {
          lock: lockFile,
          reproduce,
          tolerance: core.getInput("tolerance") || "1%",
          data: [core.getInput("data")],
          head,
          deployed,
          attestation,
        },
        out,
        env,
      ),
    );

    // what Argo CD will apply is what this code renders from the head's lock and config, byte for
    // byte: a pull request cannot hand-edit argocd/ past its own pins
    let renderedNote = "";
    if (head && deployed) {
      const lines: string[] = [];
      const collect = { ...out, result: (line: string) => lines.push(line), warn: () => {} };
      const rendered = await render({ lock: lockFile, check: true, at: head }, collect, env);
      renderedNote = lines.join("\n");
      if (rendered.exitCode !== 0)
        results.push({
          model: "argocd/",
          environment: "*",
          version: "-",
          sha256: "",
          ok: false,
          checks: [{ name: "rendered", ok: false, detail: renderedNote.replace(/\n\s*/g, "; ") }],
        });
    }
    // the shadow replay of each changed pin that verified, against the base's pin (informs; never fails the check)
    const sampleUri = core.getInput("replay-sample") || undefined;
    let replay = "";
    if (sampleUri) {
      const before = await readLockRef(`git:${base}`, lockFile, { missingFileIsEmpty: true });
      const after = await readLockRef(head ? `git:${head}` : lockFile, lockFile);
      const sections: string[] = [];
      for (const result of results.filter((r) => r.ok && r.sha256)) {
        const pin = after.models[result.model]?.pins[result.environment];
        if (!pin) continue;
        sections.push(
          await core.group(`replay ${result.model} (${result.environment})`, () =>
            replaySection({
              model: result.model,
              environment: result.environment,
              lockPath: lockFile,
              candidate: pin,
              current: before.models[result.model]?.pins[result.environment],
              storeUri: env.LOCKSTEP_STORE ?? "file://.lockstep/store",
              sampleUri,
              env,
              progress: core.info,
            }),
          ),
        );
      }
      replay = sections.join("\n\n");
      core.setOutput("replay", replay);
    }
    const resultsPath = join(baseDir, ".lockstep", "verification.json");
    await mkdir(dirname(resultsPath), { recursive: true });
    await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
    const failed = results.filter((r) => !r.ok).length;
    core.setOutput("ok", String(failed === 0));
    core.setOutput("verified", String(results.length));
    core.setOutput("failed", String(failed));
    core.setOutput("results-path", resultsPath);

    const summary = verificationSummary(results);
    await setVerdict(env, head, failed > 0 ? "failure" : "success", summary);
    const table = verificationTable(results);
    await core.summary
      .addHeading("Model verification", 2)
      .addRaw(`${summary}.\n\n${table}\n\n`)
      .addRaw(reproduce ? "" : "Evaluations were not re-run (reproduce: false).\n")
      .addRaw(renderedNote ? `\n${renderedNote}\n` : "")
      .addRaw(replay ? `\n${replay}\n` : "")
      .write();
    if (failed > 0) core.setFailed(`${summary}\n${table}`);
  } catch (error) {
    core.setFailed((error as Error).message);
    // a verify that could not run is a failed verdict, not a missing one
    await setVerdict(env, core.getInput("head") || undefined, "error", (error as Error).message).catch(
      (again: Error) => core.warning(`could not set ${VERIFY_STATUS}: ${again.message}`),
    );
  }
}

/** The verdict on the head commit itself, as the status the ruleset requires (this job runs on the base). */
async function setVerdict(
  env: NodeJS.ProcessEnv,
  head: string | undefined,
  state: "success" | "failure" | "error",
  description: string,
): Promise<void> {
  if (!head || !env.GITHUB_TOKEN || !env.GITHUB_REPOSITORY || !/^[0-9a-f]{40}$/.test(head)) return;
  const github = new GitHubClient({
    repository: env.GITHUB_REPOSITORY,
    token: env.GITHUB_TOKEN,
    apiUrl: env.GITHUB_API_URL,
  });
  const targetUrl = runUrlOf(env);
  await github.setCommitStatus(head, {
    state,
    context: VERIFY_STATUS,
    description,
    ...(targetUrl ? { targetUrl } : {}),
  });
  core.info(`status ${VERIFY_STATUS} (${state}) set on ${head}`);
}
