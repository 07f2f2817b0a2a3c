import type * as tf from "@tensorflow/tfjs";

/**
 * Frees a trained model's weights and its optimizer's state: `model.dispose()` alone leaves the
 * optimizer's slot variables (Adam keeps two per weight) allocated for the life of the process.
 */
export function disposeTrained(model: tf.LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
}
