export * from "./linalg.js";
export * from "./metrics.js";
