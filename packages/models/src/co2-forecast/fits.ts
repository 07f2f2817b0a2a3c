import { availableParallelism } from "node:os";
import { initBackend, openRunner, siblingModule, type TaskRunner } from "@lockstep/ml/nn";
import { ModelError } from "../errors.js";
import { intervalFromErrors, type Interval } from "./intervals.js";
import type { MemberFit, MemberTask } from "./member.js";
import type { Co2Params } from "./params.js";
import { OperatorCache, selectStructure, type Selection } from "./forecaster.js";
import { assembleNet, disposeNet, trainingSet, type ResidualNet, type TrainingSet } from "./residual-net.js";

/** A fitted hybrid: the base forecaster's structure, the LSTM correction and its interval. */
export interface Fitted {
  selection: Selection;
  net: ResidualNet;
  interval: Interval;
}

/** Threads by default at most: each holds its own tfjs and wasm heap (about 100 MB). */
const DEFAULT_MAX_THREADS = 4;

/**
 * The threads the LSTM members train on: LOCKSTEP_CO2_THREADS, else one per core up to 4. Each
 * member is seeded and reads only its task, so the count changes the wall time, never a byte.
 */
export function co2Threads(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const raw = env.LOCKSTEP_CO2_THREADS;
  if (raw === undefined || raw === "") return Math.min(cores, DEFAULT_MAX_THREADS);
  const threads = Number(raw);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64)
    throw new ModelError("PARAMS_INVALID", `LOCKSTEP_CO2_THREADS must be an integer 1..64, got "${raw}"`);
  return threads;
}

/**
 * Every fit a training needs (the backtest's origins and the final model), each fit's members
 * queued at once on `threads` threads, the longest first (the most data: the final model, then the
 * latest origins). Each fit is built in this thread as soon as its members are trained; `fit(end)`
 * waits for one.
 */
export class FitSchedule {
  private readonly fits = new Map<number, Promise<Fitted>>();

  private constructor(private readonly runner: TaskRunner) {}

  static async start(
    values: number[],
    ends: number[],
    params: Co2Params,
    options: { threads: number; log: (message: string) => void; label: (end: number) => string },
  ): Promise<FitSchedule> {
    // tfjs-node (when installed) uses every core itself and is not for threads: members train here
    const backend = await initBackend();
    const threads = backend === "wasm" ? Math.min(options.threads, ends.length * params.members) : 1;
    // the threads start while the structures are chosen here
    const opening = openRunner(siblingModule(import.meta.url, "member-task"), threads, (error) =>
      options.log(`training the LSTMs in this thread: ${error.message}`),
    );
    const operators = new OperatorCache(params.maxHorizon);
    const plans = [...ends]
      .sort((a, b) => b - a)
      .map((end) => {
        const selection = selectStructure(values, end, params, operators);
        return { end, selection, set: trainingSet(values, end, selection.operator, params) };
      });
    const runner = await opening;
    options.log(`LSTM members: ${ends.length * params.members} fits on ${runner.threads} thread(s)`);
    const schedule = new FitSchedule(runner);
    for (const { end, selection, set } of plans) {
      const members = Array.from({ length: params.members }, (_, k) =>
        runner.run<MemberFit>("fitLstmMember", memberTask(set, params, k)).then((fit) => {
          const { epochs, bestEpoch, validationLoss } = fit.summary;
          options.log(
            `${options.label(end)}: LSTM ${k + 1}/${params.members}: ${epochs} epochs, best ${bestEpoch} (validation loss ${validationLoss.toFixed(3)})`,
          );
          return fit;
        }),
      );
      const fitted = Promise.all(members).then(async (fits) => {
        const net = await assembleNet(values, set, params, fits);
        return { selection, net, interval: intervalFromErrors(net.heldOutErrors, params.intervalLevel) };
      });
      fitted.catch(() => {}); // awaited by fit(); a failure before then is not unhandled
      schedule.fits.set(end, fitted);
    }
    return schedule;
  }

  /** The hybrid fitted on the months before `end` (one of the scheduled ends); the caller disposes its net. */
  fit(end: number): Promise<Fitted> {
    const fitted = this.fits.get(end);
    if (!fitted) throw new RangeError(`no fit was scheduled for month ${end}`);
    this.fits.delete(end);
    return fitted;
  }

  /** Stops the threads; fits never asked for (after a failure) are freed. */
  async close(): Promise<void> {
    for (const fitted of this.fits.values())
      fitted.then(
        (f) => disposeNet(f.net),
        () => {},
      );
    this.fits.clear();
    await this.runner.close();
  }
}

const memberTask = (set: TrainingSet, params: Co2Params, k: number): MemberTask => ({
  x: set.x,
  y: set.y,
  split: set.split,
  params,
  k,
});
