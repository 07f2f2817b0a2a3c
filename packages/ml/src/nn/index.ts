export { initBackend, type BackendChoice } from "./backend.js";
export { exportSequential, type LayersExportOptions } from "./export-layers.js";
export { fitModel, type FitOptions, type FitResult, type EpochRecord } from "./fit.js";
