import { ModelError } from "../errors.js";
import { parseParamsWith, type ParamRules } from "../param-rules.js";
import type { Barriers } from "./labels.js";

export interface BtcParams {
  /**
   * Triple barrier: "volatility" scales take-profit and stop-loss to the recent volatility
   * (upperSigma / lowerSigma times σ of the last volatilityBars returns times √horizonBars);
   * "fixed" puts them at upperPct / lowerPct of the entry close. The time limit is horizonBars.
   */
  barrier: "volatility" | "fixed";
  upperSigma: number;
  lowerSigma: number;
  volatilityBars: number;
  /** Consecutive bars up to this many intervals apart keep a label window whole (weekends: 3, long weekends: 4). */
  gapIntervals: number;
  upperPct: number;
  lowerPct: number;
  horizonBars: number;
  /** Evaluation: expanding walk-forward folds over the last `evalShare` of the labelled bars. */
  folds: number;
  evalShare: number;
  /** Gap (bars) between every training window and the bars it is scored on: at least horizonBars. */
  purgeBars: number;
  /** Feature selection: keep the features carrying this share of the permutation importance. */
  selectCumulative: number;
  permutationRepeats: number;
  /** TPE trials over the GBDT params (scored on walk-forward folds inside the tuning period). */
  trials: number;
  /** Fee per position change in the backtest, in percent. */
  feePct: number;
  seed: number;
}

export const defaultBtcParams: BtcParams = {
  barrier: "volatility",
  upperSigma: 1.25,
  lowerSigma: 1.25,
  volatilityBars: 50,
  gapIntervals: 4,
  upperPct: 1.5,
  lowerPct: 1.5,
  horizonBars: 10,
  folds: 5,
  evalShare: 0.5,
  purgeBars: 10,
  selectCumulative: 0.95,
  permutationRepeats: 3,
  trials: 30,
  feePct: 0.1,
  seed: 0,
};

const rules: ParamRules<BtcParams> = {
  barrier: { kind: "choice", values: ["volatility", "fixed"] },
  upperSigma: { kind: "number", min: 0.05, max: 20 },
  lowerSigma: { kind: "number", min: 0.05, max: 20 },
  volatilityBars: { kind: "number", int: true, min: 2, max: 5000 },
  gapIntervals: { kind: "number", int: true, min: 1, max: 100 },
  upperPct: { kind: "number", min: 0.05, max: 50 },
  lowerPct: { kind: "number", min: 0.05, max: 50 },
  horizonBars: { kind: "number", int: true, min: 1, max: 500 },
  folds: { kind: "number", int: true, min: 1, max: 20 },
  evalShare: { kind: "number", min: 0.1, max: 0.8 },
  purgeBars: { kind: "number", int: true, min: 0, max: 5000 },
  selectCumulative: { kind: "number", min: 0.1, max: 1 },
  permutationRepeats: { kind: "number", int: true, min: 1, max: 20 },
  trials: { kind: "number", int: true, min: 1, max: 500 },
  feePct: { kind: "number", min: 0, max: 5 },
  seed: { kind: "number", int: true, min: 0, max: 2 ** 31 - 1 },
};

export function parseBtcParams(input: unknown): BtcParams {
  const params = parseParamsWith(defaultBtcParams, rules, input);
  if (params.purgeBars < params.horizonBars) {
    throw new ModelError(
      "PARAMS_INVALID",
      `purgeBars (${params.purgeBars}) must be at least horizonBars (${params.horizonBars}): labels look that far ahead`,
    );
  }
  return params;
}

/** The barriers the params ask for. */
export function barriersOf(params: BtcParams): Barriers {
  return params.barrier === "volatility"
    ? {
        kind: "volatility",
        upperSigma: params.upperSigma,
        lowerSigma: params.lowerSigma,
        volatilityBars: params.volatilityBars,
        horizonBars: params.horizonBars,
        gapIntervals: params.gapIntervals,
      }
    : {
        upperPct: params.upperPct,
        lowerPct: params.lowerPct,
        horizonBars: params.horizonBars,
        gapIntervals: params.gapIntervals,
      };
}
