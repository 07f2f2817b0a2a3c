// esbuild options every Lockstep bundle shares: one ESM file set for Node, native packages and
// tfjs left to node_modules, and a require() for the CommonJS dependencies inside.
import type { BuildOptions } from "esbuild";

export const NODE_BUNDLE: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  legalComments: "none",
  // re2-wasm (CRD pattern checks in the Kubernetes model packages) finds its .wasm beside its own file
  external: ["onnxruntime-node", "sharp", "@tensorflow/*", "re2-wasm"],
  banner: {
    js: 'import { createRequire as __lockstepRequire } from "node:module"; const require = __lockstepRequire(import.meta.url);',
  },
  logLevel: "warning",
};
