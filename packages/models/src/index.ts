export * from "./errors.js";
export * from "./spec.js";
export { models, getModel } from "./registry.js";
export { co2Forecast, CO2_DEFAULT_DATA } from "./co2-forecast/index.js";
export * as co2 from "./co2-forecast/index.js";
export { trainCandidate, type Candidate, type TrainCandidateOptions } from "./pipeline.js";
