import type { HostTensor } from "../batching/tensors.js";

/** What the server thread sends a session worker. */
export type ToWorker = { type: "run"; id: number; feeds: Record<string, HostTensor> } | { type: "release" };

/** What a session worker answers. */
export type FromWorker =
  | { type: "ready" }
  | { type: "failed"; error: WorkerError }
  | { type: "result"; id: number; outputs: Record<string, HostTensor>; ms: number }
  | { type: "error"; id: number; error: WorkerError }
  | { type: "released" };

export interface WorkerError {
  message: string;
  code?: string;
}

/** Handed to a session worker at start: the model's bytes and onnxruntime session options. */
export interface WorkerInit {
  model: Uint8Array;
  threads: number;
}
