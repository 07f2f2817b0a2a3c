import { Random } from "../random.js";
import {
  sameDistribution,
  validateDistribution,
  type Distribution,
  type ParamValue,
} from "./distributions.js";
import { RandomSampler, TpeSampler, type Observation, type Sampler } from "./samplers.js";

export type Direction = "minimize" | "maximize";
export type TrialState = "complete" | "pruned" | "failed";

/** Thrown by an objective (after `trial.shouldPrune()` says so) to stop an unpromising trial. */
export class TrialPruned extends Error {
  override readonly name = "TrialPruned";
}

export interface TrialRecord {
  number: number;
  state: TrialState;
  params: Record<string, ParamValue>;
  value?: number;
  /** Intermediate values reported by step (e.g. validation loss per epoch). */
  intermediate: [step: number, value: number][];
  durationMs: number;
  error?: string;
}

/**
 * Median pruning: at a step, a trial is pruned when its value is worse than the median of what
 * completed trials reported at that step (after `startupTrials` completed and `warmupSteps` steps).
 */
export class MedianPruner {
  constructor(private readonly options: { startupTrials?: number; warmupSteps?: number } = {}) {}

  shouldPrune(direction: Direction, step: number, value: number, completed: TrialRecord[]): boolean {
    if (step < (this.options.warmupSteps ?? 0)) return false;
    const atStep = completed.flatMap((t) => t.intermediate.filter(([s]) => s === step).map(([, v]) => v));
    if (completed.length < (this.options.startupTrials ?? 5) || atStep.length === 0) return false;
    atStep.sort((a, b) => a - b);
    const mid = atStep.length / 2;
    const median = atStep.length % 2 ? atStep[Math.floor(mid)]! : (atStep[mid - 1]! + atStep[mid]!) / 2;
    return direction === "minimize" ? value > median : value < median;
  }
}

export class Trial {
  readonly params: Record<string, ParamValue> = {};
  readonly intermediate: [number, number][] = [];

  constructor(
    readonly number: number,
    private readonly study: Study,
  ) {}

  private suggest(name: string, distribution: Distribution): ParamValue {
    if (name in this.params) return this.params[name]!;
    validateDistribution(name, distribution);
    this.study.register(name, distribution);
    const value = this.study.sampleParam(name, distribution);
    this.params[name] = value;
    return value;
  }

  suggestFloat(name: string, low: number, high: number, options: { log?: boolean } = {}): number {
    return this.suggest(name, { type: "float", low, high, log: options.log ?? false }) as number;
  }

  suggestInt(
    name: string,
    low: number,
    high: number,
    options: { log?: boolean; step?: number } = {},
  ): number {
    return this.suggest(name, {
      type: "int",
      low,
      high,
      log: options.log ?? false,
      step: options.step ?? 1,
    }) as number;
  }

  suggestCategorical<T extends ParamValue>(name: string, choices: readonly T[]): T {
    return this.suggest(name, { type: "categorical", choices: [...choices] }) as T;
  }

  /** Reports an intermediate value (e.g. the validation loss after `step` epochs). */
  report(value: number, step: number): void {
    if (!Number.isFinite(value)) throw new RangeError(`reported value must be finite, got ${value}`);
    this.intermediate.push([step, value]);
  }

  /** True when the pruner judges this trial unpromising at its last reported step. */
  shouldPrune(): boolean {
    const last = this.intermediate[this.intermediate.length - 1];
    return last ? this.study.judge(last[0], last[1]) : false;
  }
}

export interface StudyOptions {
  direction?: Direction;
  sampler?: "random" | "tpe" | Sampler;
  seed?: number;
  pruner?: MedianPruner | null;
}

export type Objective = (trial: Trial) => number | Promise<number>;

/**
 * A hyper-parameter search (define-by-run, as Optuna): the objective asks the trial for parameters,
 * optionally reports intermediate values, and returns the value to optimise. Seeded: the same
 * seed and objective give the same trials.
 */
export class Study {
  readonly direction: Direction;
  readonly trials: TrialRecord[] = [];
  private readonly sampler: Sampler;
  private readonly random: Random;
  private readonly pruner: MedianPruner | null;
  private readonly distributions = new Map<string, Distribution>();

  constructor(options: StudyOptions = {}) {
    this.direction = options.direction ?? "minimize";
    const sampler = options.sampler ?? "tpe";
    this.sampler =
      sampler === "tpe" ? new TpeSampler() : sampler === "random" ? new RandomSampler() : sampler;
    this.random = new Random(options.seed ?? 0);
    this.pruner = options.pruner === undefined ? new MedianPruner() : options.pruner;
  }

  /** @internal */
  register(name: string, distribution: Distribution): void {
    const known = this.distributions.get(name);
    if (known && !sameDistribution(known, distribution)) {
      throw new RangeError(`parameter "${name}" was suggested with a different range or choices before`);
    }
    this.distributions.set(name, distribution);
  }

  /** @internal */
  sampleParam(name: string, distribution: Distribution): ParamValue {
    const history: Observation[] = this.completed().map((t) => ({
      params: t.params,
      loss: this.direction === "minimize" ? t.value! : -t.value!,
    }));
    return this.sampler.sample(name, distribution, history, this.random);
  }

  /** @internal */
  judge(step: number, value: number): boolean {
    return this.pruner?.shouldPrune(this.direction, step, value, this.completed()) ?? false;
  }

  completed(): TrialRecord[] {
    return this.trials.filter((t) => t.state === "complete");
  }

  async optimize(
    objective: Objective,
    options: { trials: number; timeoutMs?: number; onTrial?: (t: TrialRecord) => void },
  ): Promise<void> {
    if (!Number.isInteger(options.trials) || options.trials < 1)
      throw new RangeError("trials must be an integer >= 1");
    const deadline =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    for (let n = 0; n < options.trials && Date.now() < deadline; n++) {
      const trial = new Trial(this.trials.length, this);
      const started = performance.now();
      let record: TrialRecord;
      try {
        const value = await objective(trial);
        if (typeof value !== "number" || Number.isNaN(value))
          throw new TypeError(`the objective returned ${String(value)}, not a number`);
        record = {
          number: trial.number,
          state: "complete",
          params: trial.params,
          value,
          intermediate: trial.intermediate,
          durationMs: 0,
        };
      } catch (error) {
        const pruned = error instanceof TrialPruned;
        record = {
          number: trial.number,
          state: pruned ? "pruned" : "failed",
          params: trial.params,
          intermediate: trial.intermediate,
          durationMs: 0,
          ...(pruned ? {} : { error: (error as Error).message ?? String(error) }),
        };
      }
      record.durationMs = performance.now() - started;
      this.trials.push(record);
      options.onTrial?.(record);
    }
  }

  /** The best completed trial; throws when none completed. */
  get best(): TrialRecord & { value: number } {
    const done = this.completed();
    if (done.length === 0) throw new RangeError("no trial completed");
    return done.reduce((best, t) =>
      (this.direction === "minimize" ? t.value! < best.value! : t.value! > best.value!) ? t : best,
    ) as TrialRecord & {
      value: number;
    };
  }

  /** The trial table: one row per trial with its state, value, time and params. */
  table(): Record<string, ParamValue | number | undefined>[] {
    return this.trials.map((t) => ({
      number: t.number,
      state: t.state,
      value: t.value,
      durationMs: Math.round(t.durationMs * 1000) / 1000,
      ...t.params,
    }));
  }
}
