import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import * as core from "@actions/core";
import { parseParamsJson, train, type Output } from "@lockstep/cli";
import { setUpStoreCredentials } from "../../shared/store-credentials.js";

/** Params from the `params` and `seed` inputs, or a clear failure. */
export function paramsFromInputs(params: string, seed: string): Record<string, unknown> {
  const parsed = parseParamsJson(params || "{}", "params");
  if (!seed) return parsed;
  if (!/^\d{1,10}$/.test(seed) || Number(seed) > 2 ** 31 - 1)
    throw new Error(`seed must be an integer from 0 to ${2 ** 31 - 1}, got "${seed}"`);
  return { ...parsed, seed: Number(seed) };
}

/** The `snapshot` input: on unless "false" (the action snapshots by default, as CI does). */
export function snapshotInput(value: string): boolean {
  const text = value.trim().toLowerCase();
  if (text === "" || text === "true") return true;
  if (text === "false") return false;
  throw new Error(`snapshot must be "true" or "false", got ${JSON.stringify(value.slice(0, 20))}`);
}

/** Reads the inputs, trains through the model spec, sets the outputs and writes the job summary. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const model = core.getInput("model", { required: true });
    const params = paramsFromInputs(core.getInput("params"), core.getInput("seed"));
    await setUpStoreCredentials(env);
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    // one log group per phase (load data, each training phase, store); groups cannot nest
    let grouped = false;
    const out: Output = {
      result: core.info,
      json: (value) => core.info(JSON.stringify(value)),
      progress: core.info,
      warn: core.warning,
      error: core.error,
      phase: (name) => {
        if (grouped) core.endGroup();
        core.startGroup(`${model}: ${name}`);
        grouped = true;
      },
    };
    const outcome = await train(
      model,
      {
        params,
        data: core.getInput("data") || undefined,
        env: core.getInput("environment") || "staging",
        store: core.getInput("store") || undefined,
        lock: join(workspace, "models.lock.json"),
        snapshot: snapshotInput(core.getInput("snapshot")),
        snapshotCap: core.getInput("snapshot-cap") || undefined,
      },
      out,
    ).finally(() => grouped && core.endGroup());
    const { pin, verdict } = outcome.candidate;
    core.setOutput("sha256", pin.sha256);
    core.setOutput("uri", pin.uri);
    core.setOutput("bytes", String(pin.bytes));
    core.setOutput("metrics", JSON.stringify(pin.metrics));
    core.setOutput("better", String(verdict.better));
    core.setOutput("verdict", verdict.reason);
    core.setOutput("report-path", outcome.reportPath);
    core.setOutput("candidate-path", outcome.candidatePath);
    core.setOutput("data-snapshot", pin.evaluation.dataSnapshot ?? "");
    const snapshot = outcome.candidate.snapshot;
    if (snapshot && "skipped" in snapshot) core.notice(`${model}: no data snapshot: ${snapshot.skipped}`);
    // the artifact's bytes as a file: the attestation step binds its sha256 to this run
    const artifactPath = join(workspace, ".lockstep", "artifacts", `${pin.sha256}.onnx`);
    await mkdir(dirname(artifactPath), { recursive: true });
    await writeFile(artifactPath, outcome.candidate.trained.onnx);
    core.setOutput("artifact-path", artifactPath);
    await core.group("summary", async () => {
      const report = await readFile(outcome.reportPath, "utf8");
      await core.summary
        .addHeading(`${model}: candidate ${pin.sha256.slice(0, 12)}`, 2)
        .addTable([
          [
            { data: "metric", header: true },
            { data: "candidate", header: true },
          ],
          ...Object.entries(pin.metrics).map(([name, value]) => [name, String(value)]),
        ])
        .addRaw(`\n${verdict.better ? "Passes" : "Does not pass"} the gate: ${verdict.reason}.\n\n`)
        .addDetails("Report", `\n\n${report}\n\n`)
        .write();
    });
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
