import * as tf from "@tensorflow/tfjs";
import { Random } from "../random.js";

export interface FitOptions {
  x: tf.Tensor;
  y: tf.Tensor;
  validation?: { x: tf.Tensor; y: tf.Tensor };
  epochs: number;
  batchSize?: number;
  /** Seeds the per-epoch shuffle (tfjs's own shuffle uses Math.random). */
  seed?: number;
  /** Stop after this many epochs without a better validation loss; the best weights are restored. */
  patience?: number;
  log?: (message: string) => void;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  validationLoss?: number;
  seconds: number;
}

export interface FitResult {
  history: EpochRecord[];
  /** The epoch (1-based) whose weights the model holds at the end. */
  bestEpoch: number;
  stoppedEarly: boolean;
}

const scalar = (value: tf.Scalar | tf.Scalar[] | tf.Tensor | tf.Tensor[]): number => {
  const t = Array.isArray(value) ? value[0]! : value;
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

/**
 * A compiled tfjs model's training loop: seeded shuffling, validation loss per epoch, early stopping
 * with best-weights restore, and a progress line per epoch (loss, validation loss, ETA).
 */
export async function fitModel(model: tf.LayersModel, options: FitOptions): Promise<FitResult> {
  const { x, y, epochs } = options;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new RangeError(`epochs must be an integer >= 1, got ${epochs}`);
  if (x.shape[0] !== y.shape[0] || x.shape[0] === 0)
    throw new RangeError("x and y must have the same, non-zero number of rows");
  const random = new Random(options.seed ?? 0);
  const rows = x.shape[0]!;
  const history: EpochRecord[] = [];
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: undefined as tf.Tensor[] | undefined };
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    const order = tf.tensor1d(random.shuffle(Array.from({ length: rows }, (_, i) => i)), "int32");
    const xs = tf.gather(x, order);
    const ys = tf.gather(y, order);
    const fitted = await model.fit(xs, ys, {
      epochs: 1,
      batchSize: options.batchSize ?? 32,
      shuffle: false,
      verbose: 0,
    });
    tf.dispose([order, xs, ys]);
    const loss = fitted.history.loss![0] as number;
    const validationLoss = options.validation
      ? scalar(model.evaluate(options.validation.x, options.validation.y, { batchSize: 256 }))
      : undefined;
    const seconds = (performance.now() - started) / 1000;
    history.push({ epoch, loss, validationLoss, seconds });
    const monitored = validationLoss ?? loss;
    if (monitored < best.loss) {
      best.weights?.forEach((w) => w.dispose());
      best = { loss: monitored, epoch, weights: model.getWeights().map((w) => w.clone()) };
    }
    const perEpoch = history.reduce((s, h) => s + h.seconds, 0) / history.length;
    options.log?.(
      `epoch ${epoch}/${epochs}: loss ${loss.toPrecision(4)}` +
        (validationLoss === undefined ? "" : `, validation loss ${validationLoss.toPrecision(4)}`) +
        ` (${seconds.toFixed(2)} s, ETA ${(perEpoch * (epochs - epoch)).toFixed(0)} s)`,
    );
    if (options.patience !== undefined && epoch - best.epoch >= options.patience) {
      stoppedEarly = true;
      options.log?.(`early stopping: no better validation loss since epoch ${best.epoch}`);
      break;
    }
  }
  if (best.weights) {
    model.setWeights(best.weights);
    best.weights.forEach((w) => w.dispose());
  }
  return { history, bestEpoch: best.epoch, stoppedEarly };
}
