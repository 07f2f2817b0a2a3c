export * from "./linalg.js";
export * from "./regression-metrics.js";
export * from "./classification-metrics.js";
export { Random } from "./random.js";
export * from "./splits.js";
export * from "./drift.js";
export * from "./permutation-importance.js";
export * from "./tuning/index.js";
export * from "./gbdt/index.js";
