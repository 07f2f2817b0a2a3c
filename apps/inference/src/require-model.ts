import { HttpError } from "./errors.js";
import type { LoadedModel, ModelRegistry, ModelStatus } from "./model-registry.js";

/** The status of a model served here: 404 when it is not, or when `version` is not the pinned one. */
export function requireStatus(registry: ModelRegistry, name: string, version?: string): ModelStatus {
  const status = registry.statusOf(name);
  if (!status) throw new HttpError(404, "MODEL_NOT_FOUND", `no model "${name}" is served here`);
  if (version !== undefined && version !== status.version) {
    throw new HttpError(
      404,
      "MODEL_VERSION_NOT_FOUND",
      `model "${name}" serves version "${status.version}", not "${version}"`,
    );
  }
  return status;
}

/**
 * The loaded model, as requireStatus plus 503 + Retry-After while it is not ready. With `lease` it
 * is acquired and handed to lease, which returns it when the request is completely done, so a hot
 * swap cannot release the session under it.
 */
export function requireModel(
  registry: ModelRegistry,
  name: string,
  version?: string,
  lease?: (model: LoadedModel) => void,
): LoadedModel {
  const status = requireStatus(registry, name, version);
  const model = lease ? registry.acquire(name) : registry.get(name);
  if (!model) {
    throw new HttpError(
      503,
      "MODEL_NOT_READY",
      `model "${name}" is ${status.state}${status.error ? `: ${status.error.message}` : ""}`,
      { "Retry-After": "5" },
    );
  }
  lease?.(model);
  return model;
}
