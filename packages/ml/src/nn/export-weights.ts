import type * as tf from "@tensorflow/tfjs";

export type LayerConfig = Record<string, unknown>;

export interface Weight {
  shape: number[];
  values: number[];
}

export const weightsOf = (layer: tf.layers.Layer): Weight[] =>
  layer.getWeights().map((w) => ({ shape: w.shape, values: Array.from(w.dataSync()) }));
