export * from "./errors.js";
export * from "./tensor-types.js";
export { GraphBuilder, attr, type AttrValue, type TensorData, type BuildOptions } from "./graph.js";
export {
  CARD_KEY,
  cardMetadata,
  decodeModel,
  readCard,
  type ModelCard,
  type DataFingerprint,
} from "./card.js";
export { checkParity, type ParityOptions, type ParityReport } from "./parity.js";
export { stableStringify } from "./stable-json.js";
export {
  exportTreeEnsemble,
  type TreeEnsemble,
  type EnsembleTree,
  type TreeExportOptions,
} from "./tree-ensemble.js";
export {
  composeModels,
  withMetadata,
  minMaxScale,
  normalizeImage,
  softmax,
  standardize,
  topK,
  type ComposeOptions,
} from "./compose.js";
export { exposeFeatures, type ExposedFeatures } from "./expose.js";
export { firstModelDifference } from "./model-diff.js";
