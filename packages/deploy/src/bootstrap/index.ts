export {
  clusterRequirements,
  renderedObjects,
  requirementKey,
  type Requirement,
  type RequirementKind,
} from "./requirements.js";
export { bootstrapSteps, type BootstrapStep, type Provided } from "./steps.js";
export { bootstrapPlan, platformProvides, MANAGED_CLUSTER_PROVIDES, type BootstrapPlan } from "./plan.js";
export { stepsMarkdown, withStepsBlock, STEPS_BEGIN, STEPS_END } from "./markdown.js";
