import { HelmProvider } from "@cdktf/provider-helm/lib/provider/index.js";
import { TerraformStack, type App } from "cdktf";

/**
 * The order the stacks can be planned and applied in, as cdktf records it: a reference from one
 * stack to another's construct becomes an output of the producer and a `terraform_remote_state`
 * read by the consumer, and `stack.dependencies` of the consumer. A consumer can be planned only
 * once its producers are applied: before that their state has no such output ("Unable to find
 * remote state", or an unsupported attribute for an output added since).
 */
export interface StackGraph {
  /** Every stack, producers before consumers; ties in the order app.ts declares them. */
  order: string[];
  /** Stacks that can be applied together: each layer's producers are all in earlier layers. */
  layers: string[][];
  /** Each stack's producers (the stacks whose state it reads), in declaration order. */
  producers: Record<string, string[]>;
  /**
   * Stacks whose plan talks to the Kubernetes API (the Helm provider reads each release's Secret),
   * which the read-only plan account may not: planned only where they are applied.
   */
  clusterAccess: string[];
}

/** The graph of an app's stacks. Resolves cross-stack references (as synth does; synth after it writes the same). */
export function stackGraph(app: App): StackGraph {
  const stacks = app.node.findAll().filter(TerraformStack.isStack);
  for (const stack of stacks) stack.prepareStack();
  const name = (stack: TerraformStack) => stack.node.id;
  const declared = stacks.map(name);
  const producers = Object.fromEntries(
    stacks.map((stack) => [
      name(stack),
      stack.dependencies.map(name).sort((a, b) => declared.indexOf(a) - declared.indexOf(b)),
    ]),
  );
  const layers: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < declared.length) {
    const layer = declared.filter((s) => !placed.has(s) && producers[s]!.every((p) => placed.has(p)));
    // cdktf refuses a cycle when it records a dependency; this guards the loop all the same
    if (layer.length === 0)
      throw new Error(`the stacks' references form a cycle among ${declared.join(", ")}`);
    layer.forEach((s) => placed.add(s));
    layers.push(layer);
  }
  return {
    order: layers.flat(),
    layers,
    producers,
    clusterAccess: stacks
      .filter((stack) => stack.node.findAll().some((c) => c instanceof HelmProvider))
      .map(name),
  };
}
