export { initBackend, type BackendChoice } from "./backend.js";
export { exportLayersModel, type LayersExportOptions } from "./export-layers.js";
export { registerWasmGradientKernels } from "./wasm-kernels.js";
export { fitModel, type FitOptions, type FitResult, type EpochRecord } from "./fit.js";
export { disposeTrained } from "./dispose.js";
export {
  InlineRunner,
  openRunner,
  siblingModule,
  ThreadError,
  ThreadPool,
  type TaskRunner,
} from "./thread-pool.js";
