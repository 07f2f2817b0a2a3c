import { dirname } from "node:path";
import { readLock, writeLock, bumpPin } from "@lockstep/lockfile";
import { CliError, EXIT } from "../errors.js";
import { lockPath, readLockOrEmpty } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment } from "../params.js";
import { describeStep, planStart, type StartStep } from "../start-plan.js";
import { serve, type RunningServer } from "./serve.js";
import { train } from "./train.js";

export interface DemoOptions {
  port?: string;
  env?: string;
  lock?: string;
  host?: string;
  /** Serve only what the lock pins: train no model that is not pinned yet. */
  onlyPinned?: boolean;
}

/**
 * What `npm start` runs: every model pinned in the lock is served, each as soon as it is ready.
 * Artifacts already in the store load at once; missing ones are rebuilt from their default data
 * (the quickest first: fish-classifier, btc-signal, then co2-forecast) and hot-added to the running server; a model not pinned yet is trained
 * and pinned.
 */
export async function demo(options: DemoOptions, out: Output): Promise<RunningServer> {
  const environment = parseEnvironment(options.env);
  const path = lockPath(options.lock);
  const started = performance.now();
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const planned = await planStart(await readLockOrEmpty(path), environment, dirname(path));
  const steps = options.onlyPinned ? planned.filter((s) => s.state !== "unpinned") : planned;
  if (steps.length === 0)
    throw new CliError(`no model is pinned for "${environment}" in ${path}`, EXIT.failure, "NOTHING_PINNED");
  for (const step of steps) out.progress(describeStep(step));

  let running: RunningServer | undefined;
  const announce = (model: string) => {
    const status = running!.server.registry.statusOf(model);
    if (status?.state === "ready")
      out.progress(
        `ready     ${model} v${status.version} (sha256 ${status.sha256.slice(0, 12)}) after ${seconds()}`,
      );
  };
  const start = async () => {
    const pending = steps.filter((s) => s.state === "missing").map((s) => s.model);
    running = await serve(
      {
        lock: options.lock,
        env: environment,
        port: options.port,
        host: options.host,
        logLevel: "warn",
        pending,
      },
      out,
    );
    await running.server.registry.loadAll();
    for (const step of steps) if (step.state === "present") announce(step.model);
    printBanner(out, running.port, steps);
  };

  for (const step of steps) {
    if (!running && steps.some((s) => s.state === "present")) await start();
    if (step.state === "present") continue;
    try {
      await build(step, { environment, lock: options.lock, path }, out);
      step.state = "present";
      if (running) {
        running.server.registry.built(step.model);
        await running.server.reload(await readLock(path));
        announce(step.model);
      }
    } catch (error) {
      if (!running) throw error;
      // the models already serving keep serving; this one stays unready and says why
      running.server.registry.buildFailed(step.model, error);
      out.warn(`${step.model} is not serving: ${(error as Error).message}`);
    }
  }
  if (!running) await start();
  const server = running!;
  const ready = server.server.registry.ready();
  if (!ready && !server.server.registry.statuses().some((s) => s.state === "ready")) {
    await server.server.close();
    throw new CliError("no pinned model loaded (see the warnings above)", EXIT.failure, "NOT_READY");
  }
  out.result(
    ready
      ? `\nAll ${server.server.registry.names().length} models are ready after ${seconds()}: http://localhost:${server.port}/  (Ctrl-C stops)`
      : `\nServing what loaded after ${seconds()}; /readyz stays 503 until every pinned model loads.`,
  );
  return server;
}

/** Rebuilds a missing pinned artifact (it must come out the same), or trains and pins a new model. */
async function build(
  step: StartStep,
  options: { environment: string; lock?: string; path: string },
  out: Output,
): Promise<void> {
  const what =
    step.state === "missing" ? `rebuilding ${step.model} v${step.version}` : `training ${step.model}`;
  out.progress(`${what} (default data and params; progress below)`);
  const quiet: Output = { ...out, result: () => undefined, json: () => undefined };
  const outcome = await train(
    step.model,
    {
      env: options.environment,
      lock: options.lock,
      pin: step.state === "unpinned",
      runKind: "start",
      // a pin that names its data snapshot is rebuilt from its own data, or the snapshot when that changed
      ...(step.state === "missing" && step.dataSnapshot
        ? { data: step.dataset, dataSnapshot: step.dataSnapshot }
        : {}),
    },
    quiet,
  );
  const { pin, verdict, spec } = outcome.candidate;
  if (step.state === "unpinned") {
    out.progress(`pinned    ${step.model}@${options.environment} version ${pin.version} (${verdict.reason})`);
    return;
  }
  if (pin.sha256 === step.sha256) {
    const from = outcome.candidate.dataNote ? ` from its data snapshot (${outcome.candidate.dataNote})` : "";
    out.progress(
      `rebuilt   ${step.model} v${step.version} bit for bit${from} (sha256 ${pin.sha256.slice(0, 12)})`,
    );
    return;
  }
  if (verdict.better) {
    const lock = await readLock(options.path);
    await writeLock(options.path, bumpPin(lock, spec.name, options.environment, pin, spec.gate));
    out.progress(`pinned    ${step.model} version ${pin.version}: the rebuild differs and ${verdict.reason}`);
    return;
  }
  throw new CliError(
    `the pinned ${step.model} artifact (sha256 ${step.sha256!.slice(0, 12)}) is not in the store, and the rebuild ` +
      `produced ${pin.sha256.slice(0, 12)} instead (different code, data or params) without passing the gate ` +
      `(${verdict.reason}). Restore the artifact, or remove the pin from ${options.path} to pin the rebuild.`,
    EXIT.failure,
    "PIN_NOT_REPRODUCIBLE",
  );
}

const EXAMPLES: Record<string, (url: string) => string> = {
  "co2-forecast": (url) =>
    `curl -s ${url}/v1/models/co2-forecast/predict -H 'content-type: application/json' -d '{"horizon": 12}'`,
  "btc-signal": (url) =>
    `curl -s ${url}/v1/models/btc-signal   # its card: POST one of its "examples" to .../predict`,
  "fish-classifier": (url) =>
    `curl -s ${url}/v1/models/fish-classifier/predict -H 'content-type: image/png' --data-binary @packages/samples/fish4knowledge-sample/fish_01/fish_000000009598_05281.png`,
};

function printBanner(out: Output, port: number, steps: StartStep[]): void {
  const url = `http://localhost:${port}`;
  const lines = [
    ``,
    `Lockstep is serving at ${url}/  (the web page; models still building are added as they finish)`,
    `Try:`,
    ...steps
      .map((s) => EXAMPLES[s.model]?.(url))
      .filter((l): l is string => l !== undefined)
      .map((l) => `  ${l}`),
    `Also: ${url}/readyz  ${url}/metrics  ${url}/openapi.json`,
    ``,
  ];
  out.result(lines.join("\n"));
}
