import { Command } from "commander";
import { models } from "@lockstep/models";
import { startCanaryJudge, type JudgedModel, type RunningJudge } from "@lockstep/monitor";
import { CliError } from "../errors.js";
import type { Output } from "../output.js";
import { parsePort } from "../params.js";
import type { ProgramState } from "../run-program.js";

export interface CanaryJudgeOptions {
  prometheus?: string;
  port?: string;
  host?: string;
}

/** What the judge needs of each model Lockstep knows: whether it counts classes, its value histogram. */
export function judgedModels(): Record<string, JudgedModel> {
  return Object.fromEntries(
    Object.entries(models).map(([name, spec]) => {
      const observe = spec.serving.observe;
      return [name, { classes: !!observe?.classes, valueMetric: observe?.values?.metric }];
    }),
  );
}

/** Start the judge; SIGTERM and SIGINT close it. */
export async function canaryJudge(
  options: CanaryJudgeOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningJudge> {
  const prometheus = options.prometheus ?? env.LOCKSTEP_PROMETHEUS_URL;
  if (!prometheus || !/^https?:\/\/[^\s]+$/.test(prometheus) || !URL.canParse(prometheus))
    throw new CliError(`--prometheus (or $LOCKSTEP_PROMETHEUS_URL) must be an http(s) URL, got ${JSON.stringify(prometheus ?? "")}`); // prettier-ignore
  const port = parsePort(options.port ?? env.PORT, 8080);
  const judge = await startCanaryJudge({ prometheus, models: judgedModels(), port, host: options.host ?? "0.0.0.0" }); // prettier-ignore
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void judge.close());
  out.progress(`canary judge on ${judge.url}, reading ${prometheus}`);
  return judge;
}

/** `lockstep canary-judge`: in the full CLI and the image's `lockstep` (the judge Deployment runs it). */
export function canaryJudgeCommand(out: Output, state: ProgramState): Command {
  return new Command("canary-judge")
    .description(
      "serve the canary statistics Argo Rollouts' web provider measures (class shares, value shift) from Prometheus's counts",
    )
    .option("--prometheus <url>", "Prometheus's base URL (default $LOCKSTEP_PROMETHEUS_URL)")
    .option("--port <port>", "port (default $PORT or 8080)")
    .option("--host <host>", "interface to bind", "0.0.0.0")
    .action(async (options: CanaryJudgeOptions) => {
      await canaryJudge(options, out);
      state.code = "running";
    });
}
