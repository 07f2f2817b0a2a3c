import { attr, cardMetadata, GraphBuilder, type ModelCard } from "@lockstep/onnx";
import type { Matrix } from "@lockstep/ml";

/**
 * The forecaster as ONNX: history [batch, W] ppm -> forecast, lower, upper [batch, H] ppm.
 * The history is centred on its mean before the MatMul (the operator reproduces constants), which
 * keeps float32 rounding far below the parity tolerance.
 */
export function exportForecaster(
  operator: Matrix,
  interval: { lower: number[]; upper: number[] },
  card: ModelCard,
): Uint8Array {
  const horizon = operator.length;
  const window = operator[0]!.length;
  const g = new GraphBuilder("co2_forecast");
  const history = g.input({
    name: "history",
    type: "float32",
    shape: ["batch", window],
    description: `the last ${window} monthly CO2 values in ppm, oldest first`,
  });
  const weights = new Float32Array(window * horizon);
  for (let h = 0; h < horizon; h++)
    for (let i = 0; i < window; i++) weights[i * horizon + h] = operator[h]![i]!;
  const mean = g.op("ReduceMean", [history], { axes: attr.ints([1]), keepdims: attr.int(1) });
  const centred = g.op("Sub", [history, mean]);
  const w = g.initializer({ type: "float32", dims: [window, horizon], values: weights }, "operator");
  const forecast = g.op("Add", [g.op("MatMul", [centred, w]), mean]);
  const lowerOffsets = g.initializer(
    { type: "float32", dims: [horizon], values: interval.lower },
    "interval_lower",
  );
  const upperOffsets = g.initializer(
    { type: "float32", dims: [horizon], values: interval.upper },
    "interval_upper",
  );
  const shape = ["batch", horizon];
  g.output({ name: "forecast", type: "float32", shape, description: "forecast, ppm" }, forecast);
  g.output(
    { name: "lower", type: "float32", shape, description: "interval lower bound, ppm" },
    g.op("Add", [forecast, lowerOffsets]),
  );
  g.output(
    { name: "upper", type: "float32", shape, description: "interval upper bound, ppm" },
    g.op("Add", [forecast, upperOffsets]),
  );
  return g.build({ opsets: { "": 17 }, metadata: cardMetadata(card), docString: card.description });
}
