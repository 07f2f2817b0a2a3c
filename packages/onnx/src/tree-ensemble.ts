import { attr, GraphBuilder, type BuildOptions } from "./graph.js";

/** One decision tree: node 0 is the root; `x <= threshold` (float32) goes left, NaN goes where `missingLeft` says. */
export interface EnsembleTree {
  nodes: (
    | { kind: "split"; feature: number; threshold: number; missingLeft: boolean; left: number; right: number }
    | { kind: "leaf"; value: number }
  )[];
}

/** A tree ensemble: every tree adds its leaf value to one target's raw score. */
export interface TreeEnsemble {
  numFeatures: number;
  baseValues: number[];
  trees: { tree: EnsembleTree; target: number }[];
  postTransform: "none" | "sigmoid" | "softmax";
}

export interface TreeExportOptions extends BuildOptions {
  inputName?: string;
  /** Folded into the graph before the trees: (x - mean) / std per feature. */
  standardize?: { mean: number[]; std: number[] };
}

/**
 * Exports a tree ensemble as ai.onnx.ml TreeEnsembleRegressor (opset 3: the newer opsets reject it
 * as deprecated) producing raw scores, followed by plain ONNX ops for the post-transform — ORT ignores
 * LOGISTIC on single-target regressors and ZipMap outputs cannot be read, so neither is used.
 * Outputs: `raw` [batch, targets]; regression `prediction` [batch, 1]; classification
 * `probabilities` [batch, classes] and `label` [batch] (int64).
 */
export function exportTreeEnsemble(ensemble: TreeEnsemble, options: TreeExportOptions = {}): Uint8Array {
  const targets = ensemble.baseValues.length;
  const g = new GraphBuilder("tree_ensemble");
  let x = g.input({
    name: options.inputName ?? "features",
    type: "float32",
    shape: ["batch", ensemble.numFeatures],
  });
  if (options.standardize) {
    const mean = g.initializer({
      type: "float32",
      dims: [ensemble.numFeatures],
      values: options.standardize.mean,
    });
    const std = g.initializer({
      type: "float32",
      dims: [ensemble.numFeatures],
      values: options.standardize.std,
    });
    x = g.op("Div", [g.op("Sub", [x, mean]), std]);
  }
  const a = {
    featureIds: [] as number[],
    modes: [] as string[],
    nodeIds: [] as number[],
    treeIds: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
    values: [] as number[],
    missingTrue: [] as number[],
    targetIds: [] as number[],
    targetNodeIds: [] as number[],
    targetTreeIds: [] as number[],
    targetWeights: [] as number[],
  };
  ensemble.trees.forEach(({ tree, target }, treeId) => {
    if (target < 0 || target >= targets)
      throw new RangeError(`tree ${treeId} adds to target ${target}, but there are ${targets}`);
    tree.nodes.forEach((node, nodeId) => {
      a.nodeIds.push(nodeId);
      a.treeIds.push(treeId);
      if (node.kind === "split") {
        a.featureIds.push(node.feature);
        a.modes.push("BRANCH_LEQ");
        a.trueIds.push(node.left);
        a.falseIds.push(node.right);
        a.values.push(node.threshold);
        a.missingTrue.push(node.missingLeft ? 1 : 0);
      } else {
        a.featureIds.push(0);
        a.modes.push("LEAF");
        a.trueIds.push(0);
        a.falseIds.push(0);
        a.values.push(0);
        a.missingTrue.push(0);
        a.targetIds.push(target);
        a.targetNodeIds.push(nodeId);
        a.targetTreeIds.push(treeId);
        a.targetWeights.push(node.value);
      }
    });
  });
  const raw = g.op(
    "TreeEnsembleRegressor",
    [x],
    {
      n_targets: attr.int(targets),
      aggregate_function: attr.string("SUM"),
      post_transform: attr.string("NONE"),
      base_values: attr.floats(ensemble.baseValues),
      nodes_featureids: attr.ints(a.featureIds),
      nodes_modes: attr.strings(a.modes),
      nodes_nodeids: attr.ints(a.nodeIds),
      nodes_treeids: attr.ints(a.treeIds),
      nodes_truenodeids: attr.ints(a.trueIds),
      nodes_falsenodeids: attr.ints(a.falseIds),
      nodes_values: attr.floats(a.values),
      nodes_missing_value_tracks_true: attr.ints(a.missingTrue),
      target_ids: attr.ints(a.targetIds),
      target_nodeids: attr.ints(a.targetNodeIds),
      target_treeids: attr.ints(a.targetTreeIds),
      target_weights: attr.floats(a.targetWeights),
    },
    "ai.onnx.ml",
  );
  g.output({ name: "raw", type: "float32", shape: ["batch", targets] }, raw);
  if (ensemble.postTransform === "none") {
    g.output({ name: "prediction", type: "float32", shape: ["batch", targets] }, raw);
  } else {
    let probabilities: string;
    if (ensemble.postTransform === "sigmoid") {
      const p = g.op("Sigmoid", [raw]);
      const one = g.initializer({ type: "float32", dims: [1], values: [1] });
      probabilities = g.op("Concat", [g.op("Sub", [one, p]), p], { axis: attr.int(1) });
    } else {
      probabilities = g.op("Softmax", [raw], { axis: attr.int(1) });
    }
    const classes = ensemble.postTransform === "sigmoid" ? 2 : targets;
    g.output({ name: "probabilities", type: "float32", shape: ["batch", classes] }, probabilities);
    g.output(
      { name: "label", type: "int64", shape: ["batch"] },
      g.op("ArgMax", [probabilities], { axis: attr.int(1), keepdims: attr.int(0) }),
    );
  }
  return g.build({ ...options, opsets: { "": 17, "ai.onnx.ml": 3, ...options.opsets } });
}
