export * from "./linalg.js";
export * from "./regression-metrics.js";
export * from "./classification-metrics.js";
export { Random } from "./random.js";
