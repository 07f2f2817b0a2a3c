import * as tf from "@tensorflow/tfjs";
import type { Matrix } from "@lockstep/ml";
import { disposeTrained, initBackend } from "@lockstep/ml/nn";
import { average, memberModel, withWeights, type MemberFit } from "./member.js";
import { ModelError } from "../errors.js";
import { applyOperator, residualOperator } from "./local-trend.js";
import type { Co2Params } from "./params.js";

/** How the residuals are taken: a linear trend and 4 yearly harmonics removed over the window. */
export const RESIDUAL_STRUCTURE = { degree: 1, harmonics: 4, halfLife: 0 } as const;

/**
 * The LSTM half of the forecaster. The base (trend + seasonality) forecaster's errors are not
 * white noise: CO2 growth speeds up and slows down over a few years (El Niño, economy), so the
 * errors of a local trend persist. The LSTM reads the recent detrended, deseasonalised residuals
 * (a stationary series) and forecasts the base forecaster's error at each horizon; the forecast is
 * base + correction. Every step is linear except the LSTM, so all of it goes into one ONNX graph.
 */
export interface ResidualNet {
  /** [batch, sequenceLength, 1] scaled residuals -> [batch, horizon] scaled corrections (member average). */
  model: tf.LayersModel;
  members: tf.LayersModel[];
  /** The base forecaster, padded on the left to `window` columns. */
  base: Matrix;
  /** sequenceLength x window: a history window to its last residuals. */
  residuals: Matrix;
  /** History the whole forecaster reads (months). */
  window: number;
  inputScale: number;
  /** Per horizon: the scale of the correction (the base forecaster's error RMS in training). */
  outputScale: number[];
  training: MemberFit["summary"][];
  /**
   * Hybrid errors (actual - forecast, ppm) per horizon [h][n] from every window after the last
   * training window whose month h is observed before `end`: the most recent out-of-sample errors.
   */
  heldOutErrors: number[][];
}

const padLeft = (operator: Matrix, window: number): Matrix =>
  operator.map((row) => [...new Array<number>(window - row.length).fill(0), ...row]);

/** Scaled residual sequences ending at (excluding) each of `ends`: a [n, L, 1] tensor's data. */
function sequenceData(net: Pick<ResidualNet, "residuals" | "inputScale">, series: number[], ends: number[]) {
  const length = net.residuals.length;
  const data = new Float32Array(ends.length * length);
  ends.forEach((end, n) =>
    applyOperator(net.residuals, series, end).forEach((v, i) => (data[n * length + i] = v / net.inputScale)),
  );
  return data;
}

const sequences = (net: Pick<ResidualNet, "residuals" | "inputScale">, series: number[], ends: number[]) =>
  tf.tensor3d(sequenceData(net, series, ends), [ends.length, net.residuals.length, 1]);

const rms = (values: number[]) => Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length) || 1;

/**
 * What every member of one fit trains on: the windows that end before `end` (exclusive) and whose
 * `maxHorizon` following months are observed too, as plain arrays (they go to other threads).
 */
export interface TrainingSet {
  end: number;
  /** The base forecaster, padded on the left to `window` columns. */
  base: Matrix;
  residuals: Matrix;
  window: number;
  /** Where each training window ends (exclusive), oldest first. */
  ends: number[];
  /** Windows before `split` train; the rest are held out for early stopping and the intervals. */
  split: number;
  inputScale: number;
  outputScale: number[];
  /** [ends, sequenceLength, 1] scaled residual sequences and [ends, maxHorizon] scaled targets. */
  x: Float32Array;
  y: Float32Array;
}

/** The training windows before `end` for a base forecaster; nothing at or after `end` is read. */
export function trainingSet(
  series: number[],
  end: number,
  baseOperator: Matrix,
  params: Co2Params,
): TrainingSet {
  const horizon = params.maxHorizon;
  const window = Math.max(baseOperator[0]!.length, params.residualWindow);
  const base = padLeft(baseOperator, window);
  const residualRows = residualOperator({ window: params.residualWindow, ...RESIDUAL_STRUCTURE });
  const residuals = padLeft(residualRows.slice(params.residualWindow - params.sequenceLength), window);
  const ends: number[] = [];
  for (let t = window; t + horizon <= end; t++) ends.push(t);
  const validationCount = Math.max(1, Math.floor(ends.length * params.validationFraction));
  if (ends.length - validationCount < params.batchSize) {
    throw new ModelError(
      "DATA_INVALID",
      `only ${ends.length} windows of ${window} + ${horizon} months fit in the first ${end} months: too few to train the LSTM (batch size ${params.batchSize})`,
    );
  }
  const targets = ends.map((t) => {
    const forecast = applyOperator(base, series, t);
    return forecast.map((f, h) => series[t + h]! - f);
  });
  const inputScale = rms(ends.flatMap((t) => applyOperator(residuals, series, t)));
  const outputScale = Array.from({ length: horizon }, (_, h) => rms(targets.map((y) => y[h]!)));
  const y = Float32Array.from(targets.flatMap((row) => row.map((v, h) => v / outputScale[h]!)));
  const x = sequenceData({ residuals, inputScale }, series, ends);
  const split = ends.length - validationCount;
  return { end, base, residuals, window, ends, split, inputScale, outputScale, x, y };
}

/**
 * The fitted model from its members' weights, wherever they were trained: its forecasts on the
 * held-out windows give the interval errors.
 */
export async function assembleNet(
  series: number[],
  set: TrainingSet,
  params: Co2Params,
  fits: MemberFit[],
): Promise<ResidualNet> {
  await initBackend();
  const members = fits.map((fit) => withWeights(memberModel(params, "zeros"), fit.weights));
  const net: ResidualNet = {
    model: average(members, params.sequenceLength),
    members,
    base: set.base,
    residuals: set.residuals,
    window: set.window,
    inputScale: set.inputScale,
    outputScale: set.outputScale,
    training: fits.map((f) => f.summary),
    heldOutErrors: [],
  };
  const heldOut: number[] = [];
  for (let t = set.ends[set.split]!; t < set.end; t++) heldOut.push(t);
  const forecasts = forecastWith(net, series, heldOut);
  net.heldOutErrors = Array.from({ length: params.maxHorizon }, (_, h) =>
    heldOut.flatMap((t, n) => (t + h < set.end ? [series[t + h]! - forecasts[n]![h]!] : [])),
  );
  return net;
}

/** The hybrid forecast (base + LSTM correction, ppm) after each of `ends`, for every horizon. */
export function forecastWith(net: ResidualNet, series: number[], ends: number[]): number[][] {
  const corrections = tf.tidy(() => {
    const out = net.model.predict(sequences(net, series, ends)) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
  const horizon = net.outputScale.length;
  return ends.map((end, n) =>
    applyOperator(net.base, series, end).map(
      (f, h) => f + corrections[n * horizon + h]! * net.outputScale[h]!,
    ),
  );
}

export function disposeNet(net: ResidualNet): void {
  net.model.dispose();
  net.members.forEach(disposeTrained);
}
