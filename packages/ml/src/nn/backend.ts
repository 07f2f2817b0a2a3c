import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { registerWasmGradientKernels } from "./wasm-kernels.js";

export type BackendChoice = "auto" | "tensorflow" | "wasm" | "cpu";

let ready: Promise<string> | undefined;

/**
 * Picks the tfjs backend once per process: "auto" uses tfjs-node ("tensorflow") when it is
 * installed (GitHub runners can install it), else the wasm backend (SIMD, shipped in the npm
 * package), else the pure-JS cpu backend. LOCKSTEP_TF_BACKEND overrides the choice.
 */
export function initBackend(
  choice: BackendChoice = (process.env.LOCKSTEP_TF_BACKEND as BackendChoice) || "auto",
): Promise<string> {
  ready ??= (async () => {
    if (choice === "auto" || choice === "tensorflow") {
      try {
        await import(/* @vite-ignore */ "@tensorflow/tfjs-node" as string);
        if (await tf.setBackend("tensorflow")) return "tensorflow";
      } catch {
        if (choice === "tensorflow")
          throw new Error("LOCKSTEP_TF_BACKEND=tensorflow but @tensorflow/tfjs-node is not installed");
      }
    }
    if (choice === "auto" || choice === "wasm") {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "/"));
      if (await tf.setBackend("wasm")) {
        registerWasmGradientKernels();
        return "wasm";
      }
    }
    await tf.setBackend("cpu");
    return "cpu";
  })();
  return ready;
}
