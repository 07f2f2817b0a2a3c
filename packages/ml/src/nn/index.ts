export { initBackend, type BackendChoice } from "./backend.js";
export { exportSequential, type LayersExportOptions } from "./export-layers.js";
