export { createInferenceServer, type InferenceServer, type ServerOptions } from "./server.js";
export { ModelRegistry, type LoadedModel, type ModelStatus } from "./model-registry.js";
export { HttpError } from "./errors.js";
