export {
  Study,
  Trial,
  TrialPruned,
  MedianPruner,
  type TrialRecord,
  type StudyOptions,
  type Objective,
  type Direction,
} from "./study.js";
export { RandomSampler, TpeSampler, type Sampler, type Observation } from "./samplers.js";
export type { Distribution, ParamValue } from "./distributions.js";
