import * as tf from "@tensorflow/tfjs";
import type { Matrix } from "@lockstep/ml";
import { disposeTrained, fitModel, initBackend } from "@lockstep/ml/nn";
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
  training: MemberSummary[];
  /**
   * Hybrid errors (actual - forecast, ppm) per horizon [h][n] from every window after the last
   * training window whose month h is observed before `end`: the most recent out-of-sample errors.
   */
  heldOutErrors: number[][];
}

export interface MemberSummary {
  seed: number;
  epochs: number;
  bestEpoch: number;
  trainLoss: number;
  validationLoss: number;
}

const padLeft = (operator: Matrix, window: number): Matrix =>
  operator.map((row) => [...new Array<number>(window - row.length).fill(0), ...row]);

/** Scaled residual sequences ending at (excluding) each of `ends`, as a [n, L, 1] tensor's data. */
function sequences(net: Pick<ResidualNet, "residuals" | "inputScale">, series: number[], ends: number[]) {
  const length = net.residuals.length;
  const data = new Float32Array(ends.length * length);
  ends.forEach((end, n) =>
    applyOperator(net.residuals, series, end).forEach((v, i) => (data[n * length + i] = v / net.inputScale)),
  );
  return tf.tensor3d(data, [ends.length, length, 1]);
}

const rms = (values: number[]) => Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length) || 1;

/** tfjs warns on every orthogonal initialisation of more than 2000 elements: harmless noise here. */
function withoutOrthogonalWarning<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith("Orthogonal initializer")) warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

function member(params: Co2Params, horizon: number, seed: number): tf.LayersModel {
  const model = withoutOrthogonalWarning(() =>
    tf.sequential({
      layers: [
        tf.layers.lstm({
          units: params.units,
          inputShape: [params.sequenceLength, 1],
          recurrentActivation: "sigmoid",
          kernelInitializer: tf.initializers.glorotUniform({ seed }),
          recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1, gain: 1 }),
        }),
        tf.layers.dense({
          units: horizon,
          kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
        }),
      ],
    }),
  );
  model.compile({ optimizer: tf.train.adam(params.learningRate), loss: "meanSquaredError" });
  return model;
}

/** The members averaged into one model (their layers shared, so it exports as one graph). */
function average(members: tf.LayersModel[], sequenceLength: number): tf.LayersModel {
  const input = tf.input({ shape: [sequenceLength, 1], name: "sequence" });
  const outputs = members.map((m) =>
    m.layers.reduce((x, layer) => layer.apply(x) as tf.SymbolicTensor, input as tf.SymbolicTensor),
  );
  const output = outputs.length > 1 ? (tf.layers.average().apply(outputs) as tf.SymbolicTensor) : outputs[0]!;
  return tf.model({ inputs: input, outputs: output, name: "residual_lstm" });
}

/**
 * Trains the LSTM members on every window that ends before `end` (exclusive) and whose `horizon`
 * following months are observed too; nothing at or after `end` is read. The most recent
 * `validationFraction` of windows is held out for early stopping and the interval errors.
 */
export async function trainResidualNet(
  series: number[],
  end: number,
  baseOperator: Matrix,
  params: Co2Params,
  log: (message: string) => void = () => {},
): Promise<ResidualNet> {
  await initBackend();
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
  const split = ends.length - validationCount;
  const x = sequences({ residuals, inputScale }, series, ends);
  const y = tf.tensor2d(targets.map((row) => row.map((v, h) => v / outputScale[h]!)));
  const [xTrain, xValid] = [x.slice(0, split), x.slice(split)];
  const [yTrain, yValid] = [y.slice(0, split), y.slice(split)];

  const members: tf.LayersModel[] = [];
  const training: MemberSummary[] = [];
  try {
    for (let k = 0; k < params.members; k++) {
      const seed = params.seed * 1000 + k * 10 + 1;
      const model = member(params, horizon, seed);
      members.push(model);
      const fit = await fitModel(model, {
        x: xTrain,
        y: yTrain,
        validation: { x: xValid, y: yValid },
        epochs: params.epochs,
        patience: params.patience,
        batchSize: params.batchSize,
        seed,
      });
      const best = fit.history[fit.bestEpoch - 1]!;
      training.push({
        seed,
        epochs: fit.history.length,
        bestEpoch: fit.bestEpoch,
        trainLoss: best.loss,
        validationLoss: best.validationLoss!,
      });
      log(
        `LSTM ${k + 1}/${params.members}: ${fit.history.length} epochs, best ${fit.bestEpoch} (validation loss ${best.validationLoss!.toFixed(3)})`,
      );
    }
  } catch (error) {
    members.forEach(disposeTrained);
    throw error;
  } finally {
    tf.dispose([x, y, xTrain, xValid, yTrain, yValid]);
  }
  const net: ResidualNet = {
    model: average(members, params.sequenceLength),
    members,
    base,
    residuals,
    window,
    inputScale,
    outputScale,
    training,
    heldOutErrors: [],
  };
  const heldOut: number[] = [];
  for (let t = ends[split]!; t < end; t++) heldOut.push(t);
  const forecasts = forecastWith(net, series, heldOut);
  net.heldOutErrors = Array.from({ length: horizon }, (_, h) =>
    heldOut.flatMap((t, n) => (t + h < end ? [series[t + h]! - forecasts[n]![h]!] : [])),
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
