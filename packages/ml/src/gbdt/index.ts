export { trainGbdt, type GbdtTrainOptions } from "./train.js";
export { GbdtModel, softmax } from "./model.js";
export { defaultGbdtParams, type GbdtParams, type GbdtObjective } from "./params.js";
export type { Tree, TreeNode } from "./tree.js";
export { fitBins, binOf, MISSING_BIN } from "./binning.js";
