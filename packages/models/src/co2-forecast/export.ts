import { attr, composeModels, GraphBuilder } from "@lockstep/onnx";
import { transpose, type Matrix } from "@lockstep/ml";
import { exportLayersModel } from "@lockstep/ml/nn";
import type { ResidualNet } from "./residual-net.js";

/** H x W operator -> the [W, H] float32 weights of `x · Mᵀ` for x [batch, W]. */
const weightsOf = (matrix: Matrix) => Float32Array.from(transpose(matrix).flat());

/**
 * history [batch, W] ppm -> base forecast [batch, H] ppm and the LSTM's input [batch, L, 1].
 * The history is centred on its mean first: both operators ignore constants (the base reproduces
 * them, the residuals remove them), which keeps float32 rounding far below the parity tolerance.
 */
function transformGraph(net: ResidualNet): Uint8Array {
  const { window } = net;
  const horizon = net.base.length;
  const length = net.residuals.length;
  const g = new GraphBuilder("co2_transform");
  const history = g.input({
    name: "history",
    type: "float32",
    shape: ["batch", window],
    description: `the last ${window} monthly CO2 values in ppm, oldest first`,
  });
  const mean = g.op("ReduceMean", [history], { axes: attr.ints([1]), keepdims: attr.int(1) });
  const centred = g.op("Sub", [history, mean]);
  const base = g.initializer(
    { type: "float32", dims: [window, horizon], values: weightsOf(net.base) },
    "base_operator",
  );
  const residuals = g.initializer(
    { type: "float32", dims: [window, length], values: weightsOf(net.residuals) },
    "residual_operator",
  );
  const scale = g.initializer({ type: "float32", dims: [], values: [1 / net.inputScale] }, "input_scale");
  const shape = g.initializer({ type: "int64", dims: [3], values: [-1, length, 1] }, "sequence_shape");
  g.output(
    { name: "base", type: "float32", shape: ["batch", horizon] },
    g.op("Add", [g.op("MatMul", [centred, base]), mean]),
  );
  g.output(
    { name: "sequence", type: "float32", shape: ["batch", length, 1] },
    g.op("Reshape", [g.op("Mul", [g.op("MatMul", [centred, residuals]), scale]), shape]),
  );
  return g.build({ opsets: { "": 17 } });
}

/** base + scaled correction -> forecast, and the interval offsets around it. */
function outputGraph(net: ResidualNet, interval: { lower: number[]; upper: number[] }): Uint8Array {
  const horizon = net.outputScale.length;
  const shape = ["batch", horizon];
  const g = new GraphBuilder("co2_output");
  const base = g.input({ name: "base", type: "float32", shape });
  const correction = g.input({ name: "correction", type: "float32", shape });
  const scale = g.initializer({ type: "float32", dims: [horizon], values: net.outputScale }, "output_scale");
  const forecast = g.op("Add", [base, g.op("Mul", [correction, scale])]);
  const lower = g.initializer({ type: "float32", dims: [horizon], values: interval.lower }, "interval_lower");
  const upper = g.initializer({ type: "float32", dims: [horizon], values: interval.upper }, "interval_upper");
  g.output({ name: "forecast", type: "float32", shape, description: "forecast, ppm" }, forecast);
  g.output(
    { name: "lower", type: "float32", shape, description: "interval lower bound, ppm" },
    g.op("Add", [forecast, lower]),
  );
  g.output(
    { name: "upper", type: "float32", shape, description: "interval upper bound, ppm" },
    g.op("Add", [forecast, upper]),
  );
  return g.build({ opsets: { "": 17 } });
}

/**
 * The whole forecaster as one ONNX graph: history [batch, W] ppm -> forecast, lower, upper
 * [batch, H] ppm. Transform, LSTM members and their average, rescaling and intervals are all
 * inside, so a server feeds raw ppm and gets ppm back.
 */
export function exportForecaster(
  net: ResidualNet,
  interval: { lower: number[]; upper: number[] },
): Uint8Array {
  const lstm = exportLayersModel(net.model, { inputName: "sequence", outputName: "correction" });
  const withLstm = composeModels(transformGraph(net), lstm, {
    connect: { sequence: "sequence" },
    keepOutputs: ["base"],
    prefix: "lstm/",
    outputNames: { correction: "correction" },
  });
  const whole = composeModels(withLstm, outputGraph(net, interval), {
    connect: { base: "base", correction: "correction" },
    prefix: "output/",
    outputNames: { forecast: "forecast", lower: "lower", upper: "upper" },
  });
  return whole;
}
