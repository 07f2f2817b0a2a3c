/** A fitted regression tree over raw feature values (thresholds compared as float32, `<=` goes left). */
export type TreeNode =
  | {
      kind: "split";
      feature: number;
      threshold: number;
      missingLeft: boolean;
      left: number;
      right: number;
      gain: number;
    }
  | { kind: "leaf"; value: number };

export interface Tree {
  nodes: TreeNode[];
}

/** The leaf value a row reaches (node 0 is the root). */
export function evaluateTree(tree: Tree, row: ArrayLike<number>): number {
  let node = tree.nodes[0]!;
  while (node.kind === "split") {
    const value = row[node.feature]!;
    const left = Number.isNaN(value) ? node.missingLeft : Math.fround(value) <= node.threshold;
    node = tree.nodes[left ? node.left : node.right]!;
  }
  return node.value;
}
