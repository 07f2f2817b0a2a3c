import { phaseTimer, round, type Phase } from "../phases.js";
import { referenceProfile } from "../reference-profile.js";
import type { TrainContext, TrainerCard, TrainerResult } from "../spec.js";
import { allOrigins, backtest, type BacktestResult } from "./backtest.js";
import { seriesSha256, type MonthlySeries } from "./data.js";
import { calibrateBacktest, calibratedInterval, CALIBRATION_BAND } from "./calibration.js";
import { exportForecaster } from "./export.js";
import { perOriginMape } from "./fold-metrics.js";
import { co2Threads, FitSchedule } from "./fits.js";
import { structureGrid } from "./forecaster.js";
import { applyOperator } from "./local-trend.js";
import { monthIndex, monthLabel } from "./months.js";
import type { Co2Params } from "./params.js";
import { intervalCoverage } from "./intervals.js";
import { renderCo2Report } from "./report.js";
import { disposeNet, forecastWith, RESIDUAL_STRUCTURE, type ResidualNet } from "./residual-net.js";

/**
 * Card and pin metrics: Lockstep's scores per horizon with its intervals' coverage, then the
 * baselines' MAPE beside them.
 */
export function backtestMetrics(series: number[], result: BacktestResult): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const { horizon, scores } of result.horizons) {
    const suffix = `_h${horizon}`;
    metrics[`mape${suffix}`] = round(scores.lstm.mape);
    metrics[`rmse${suffix}`] = round(scores.lstm.rmse);
    metrics[`mase${suffix}`] = round(scores.lstm.mase);
    metrics[`interval_coverage${suffix}`] = round(intervalCoverage(series, result, horizon));
    metrics[`local_trend_mape${suffix}`] = round(scores.localTrend.mape);
    metrics[`snaive_drift_mape${suffix}`] = round(scores.snaiveDrift.mape);
    metrics[`snaive_mape${suffix}`] = round(scores.snaive.mape);
  }
  return metrics;
}

/**
 * The backtest, then the final model, from one schedule: every fit's LSTM members are queued at
 * once on the training threads, and each fit is built here in order as its members finish.
 */
async function backtestAndFinal(
  values: number[],
  params: Co2Params,
  context: TrainContext,
  phase: Phase,
  month: (index: number) => string,
) {
  const origins = allOrigins(values.length, params);
  const schedule = await FitSchedule.start(values, [...origins, values.length], params, {
    threads: co2Threads(),
    log: context.log,
    label: (end) => (end === values.length ? "final model" : `origin ${month(end)}`),
  });
  try {
    const result = await phase("backtest", () =>
      backtest(values, params, async (origin, index, count) => {
        const { selection, net, interval } = await schedule.fit(origin);
        context.log(`origin ${index + 1}/${count}: forecast from ${month(origin)}`);
        try {
          return {
            lstm: forecastWith(net, values, [origin])[0]!,
            localTrend: applyOperator(selection.operator, values, origin),
            interval,
          };
        } finally {
          disposeNet(net);
        }
      }),
    );
    // cross-conformal: each origin's interval from the other origins' errors, before coverage is read
    const scales = calibrateBacktest(values, result, params.intervalLevel);
    context.log(
      `intervals: scaled by ${scales.join(", ")} per ${CALIBRATION_BAND} months ahead, linear between the bands' middle months (cross-conformal over the ${result.origins.length} backtest origins)`,
    );
    const metrics = {
      ...backtestMetrics(values, result),
      ...Object.fromEntries(scales.map((s, b) => [`interval_scale_${b + 1}`, s])),
    };
    context.log(
      `backtest: MAPE ${metrics.mape_h12}% (h12), ${metrics.mape_h24}% (h24); previous model ${metrics.local_trend_mape_h12}% / ${metrics.local_trend_mape_h24}%; seasonal naive with drift ${metrics.snaive_drift_mape_h12}% / ${metrics.snaive_drift_mape_h24}%`,
    );
    context.log(`final model: fitted on all ${values.length} months`);
    const fitted = await phase("final model", () => schedule.fit(values.length));
    return { result, metrics, final: { ...fitted, interval: calibratedInterval(fitted.interval, scales) } };
  } finally {
    await schedule.close();
  }
}

/** Stationary views of the recent series a monitor can recompute from new data. */
function profileOf(values: number[], net: ResidualNet) {
  const recent = 120;
  const ends = Array.from({ length: recent }, (_, i) => values.length - recent + 1 + i);
  const forecasts = forecastWith(net, values, ends);
  return referenceProfile(
    `the last ${recent} months of the training data`,
    {
      monthly_change: ends.map((e) => values[e - 1]! - values[e - 2]!),
      yearly_change: ends.map((e) => values[e - 1]! - values[e - 13]!),
      residual: ends.map((e) => applyOperator(net.residuals, values, e).at(-1)!),
    },
    { forecast_change_h12: forecasts.map((f, i) => f[11]! - values[ends[i]! - 1]!) },
  );
}

/**
 * Trains the CO2 forecaster: a trend + seasonality base (the previous model, its structure chosen
 * on recent inner origins) plus an LSTM that forecasts the base's errors from the stationary
 * residuals. Evaluated by a rolling-origin backtest where everything is re-fitted at each origin
 * from earlier data only; the final model is fitted on all data, exported as one ONNX graph with
 * prediction intervals and checked in onnxruntime against the trainer.
 */
export async function trainCo2(
  series: MonthlySeries,
  params: Co2Params,
  context: TrainContext,
): Promise<TrainerResult> {
  const values = series.values;
  const { timings, phase } = phaseTimer(context.phase);
  const lastMonth = monthLabel(monthIndex(series.start) + values.length - 1);
  const month = (index: number) => monthLabel(monthIndex(series.start) + index);
  context.log(
    `data: ${values.length} months ${series.start}..${lastMonth}, ${series.filled.length} filled by interpolation`,
  );
  context.log(
    `backtest: ${params.origins} origins per horizon (12, 24 months), ${structureGrid(params).length} trend structures and ${params.members} LSTM(${params.units}) per origin`,
  );
  const { result, metrics, final } = await backtestAndFinal(values, params, context, phase, month);
  const { net, selection, interval } = final;
  try {
    const window = net.window;
    const protocol = `rolling-origin backtest: ${params.origins} origins ${params.originSpacing} months apart per horizon (12 and 24 months), the last forecast ending at ${lastMonth}; the trend structure and the LSTM re-fitted at each origin on earlier data only`;
    const card: TrainerCard = {
      description:
        "Monthly Mauna Loa CO2 (ppm): an LSTM forecasts the errors of a local trend + seasonality forecaster from the detrended, deseasonalised recent residuals; direct multi-horizon, with empirical prediction intervals. Transform, LSTM and intervals are one ONNX graph: raw ppm in, ppm out.",
      inputs: [{ name: "history", type: "float32", shape: ["batch", window] }],
      outputs: ["forecast", "lower", "upper"].map((name) => ({
        name,
        type: "float32" as const,
        shape: ["batch", params.maxHorizon],
      })),
      preprocessing: {
        missingMonths: "linear interpolation",
        filledMonths: series.filled,
        residuals: `last ${params.sequenceLength} of the residuals after a linear trend and ${RESIDUAL_STRUCTURE.harmonics} yearly harmonics fitted over ${params.residualWindow} months (in graph)`,
        scaling: { input: round(net.inputScale), correction: net.outputScale.map((v) => round(v)) },
      },
      chosen: { structures: selection.members },
      evaluation: {
        protocol,
        origins: Object.fromEntries(result.horizons.map((h) => [`h${h.horizon}`, h.origins.map(month)])),
        calibration: {
          method: `cross-conformal over the backtest origins: each origin's interval scaled from the other origins' errors, the exported one from all of them; a scale per ${CALIBRATION_BAND} months ahead, held at each band's middle month, linear between and flat beyond`,
          scales: Object.fromEntries(
            Object.entries(metrics).filter(([name]) => name.startsWith("interval_scale_")),
          ),
        },
        training: net.training.map((m) => ({
          ...m,
          trainLoss: round(m.trainLoss),
          validationLoss: round(m.validationLoss),
        })),
      },
      data: {
        source: series.source,
        sha256: seriesSha256(series),
        rows: values.length,
        start: series.start,
        end: lastMonth,
      },
      featureProfile: profileOf(values, net),
      serving: {
        unit: "ppm",
        lastMonth,
        history: values.slice(values.length - window),
        maxHorizon: params.maxHorizon,
        intervalLevel: params.intervalLevel,
      },
    };
    const model = exportForecaster(net, interval);

    // parity: the trainer's forecasts at the last 16 origins vs onnxruntime on the same windows,
    // both from the float32 values the graph sees
    const asFloat32 = Array.from(Float32Array.from(values));
    const rows = Math.min(16, values.length - window + 1);
    const ends = Array.from({ length: rows }, (_, r) => values.length - r);
    const input = new Float32Array(rows * window);
    ends.forEach((end, r) => input.set(asFloat32.slice(end - window, end), r * window));
    const expected = forecastWith(net, asFloat32, ends).flat();
    const forecast = forecastWith(net, values, [values.length])[0]!;
    const structures = selection.members;
    return {
      model,
      card,
      metrics,
      // the gate metric at each backtest origin, for the paired gate
      folds: { mape_h12: perOriginMape(values, result, 12) },
      parity: {
        input: { name: "history", data: input, dims: [rows, window] },
        output: { name: "forecast", expected },
        rows: "windows",
      },
      report: (finished, parity) =>
        renderCo2Report(
          finished,
          params,
          structures,
          series,
          result,
          { forecast, interval },
          timings,
          parity,
        ),
      timings,
    };
  } finally {
    disposeNet(net);
  }
}
