// How long `lockstep render` takes, per model and environment and for the whole lock, beside
// `kubectl kustomize` building the same folder (the reference a reviewer's tooling would run).
//   npm run bench:render   (also part of npm run bench)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseDeployConfig, promotePin, renderManifests } from "@lockstep/deploy";
import { emptyLock, parseLock, type LockFile } from "@lockstep/lockfile";
import { models } from "@lockstep/models";

const ROOT = resolve(import.meta.dirname, "../..");
const RUNS = 30;

function median(fn: () => unknown, runs = RUNS): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

function only(lock: LockFile, model: string, environment: string): LockFile {
  const entry = lock.models[model]!;
  return {
    ...emptyLock(),
    models: { [model]: { ...entry, pins: { [environment]: entry.pins[environment]! } } },
  };
}

export async function renderBench(): Promise<void> {
  console.log("## lockstep render: per model and environment, and the whole lock\n");
  const config = parseDeployConfig(
    readFileSync(join(ROOT, "lockstep.deploy.json"), "utf8"),
    Object.keys(models),
  );
  let lock = parseLock(readFileSync(join(ROOT, "models.lock.json"), "utf8"));
  // every model in both environments: what the repository holds once each is promoted
  for (const model of Object.keys(lock.models)) lock = promotePin(lock, model, "staging", "production").lock;
  let t = performance.now();
  renderManifests(lock, config, { dryRun: true });
  const cold = performance.now() - t;
  const baseline = median(() => renderManifests(emptyLock(), config, { dryRun: true }));
  const kustomize = spawnSync("sh", ["-c", "command -v kubectl"]).status === 0;
  const dir = mkdtempSync(join(tmpdir(), "lockstep-bench-render-"));
  const all = renderManifests(lock, config, { dryRun: true }).files;
  for (const [path, text] of all) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  console.log(
    "| model | environment | files | render ms (median of 30, minus the bootstrap) | kubectl kustomize ms | ratio |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: |");
  for (const environment of Object.keys(config.environments).sort())
    for (const model of Object.keys(lock.models).sort()) {
      const one = only(lock, model, environment);
      const files = [...renderManifests(one, config, { dryRun: true }).files.keys()].filter((p) =>
        p.includes(`/${environment}/${model}/`),
      ).length;
      const ms = median(() => renderManifests(one, config, { dryRun: true })) - baseline;
      let reference = "";
      let ratio = "";
      if (kustomize) {
        const folder = join(dir, "argocd/envs", environment, model);
        const k = median(() => execFileSync("kubectl", ["kustomize", folder]), 5);
        reference = k.toFixed(1);
        ratio = `${(ms / k).toFixed(3)}x`;
      }
      console.log(`| ${model} | ${environment} | ${files} | ${ms.toFixed(2)} | ${reference} | ${ratio} |`);
    }
  const whole = median(() => renderManifests(lock, config, { dryRun: true }));
  console.log(
    `\nwhole lock (${Object.keys(lock.models).length} models x ${Object.keys(config.environments).length} environments, ${all.size} files): ${whole.toFixed(1)} ms warm, ${cold.toFixed(0)} ms on the first call (the model packages' validators load); bootstrap and namespaces alone ${baseline.toFixed(1)} ms`,
  );
  t = performance.now();
  const cli = spawnSync(process.execPath, [join(ROOT, "packages/cli/bin/lockstep.js"), "render", "--check"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  console.log(
    `\`lockstep render --check\` on this repository as a process (Node start, tsx, imports, render, compare): ${(performance.now() - t).toFixed(0)} ms, exit ${cli.status}\n`,
  );
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await renderBench();
