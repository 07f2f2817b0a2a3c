// How a rendered object becomes a file: validated first, written as YAML, and each folder's
// kustomization.yaml listing what was written into it.
import { DeployError } from "./errors.js";
import { toYaml } from "./yaml.js";

interface Validatable {
  validate(): void;
  toJSON(): unknown;
}

/** Validates `object` and sets it at `path` in `files`; returns its file name (for the kustomization). */
export function file(files: Map<string, string>, path: string, object: Validatable): string {
  try {
    object.validate();
  } catch (error) {
    throw new DeployError(
      "RENDER_INVALID",
      `${path} would not be a valid object: ${(error as Error).message}`,
    );
  }
  files.set(path, toYaml(object.toJSON()));
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The folder's kustomization.yaml, its resources sorted. */
export function kustomization(files: Map<string, string>, dir: string, resources: string[]): void {
  files.set(
    `${dir}/kustomization.yaml`,
    toYaml({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: [...resources].sort(),
    }),
  );
}
