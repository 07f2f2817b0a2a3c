import { readFile } from "node:fs/promises";
import { models } from "@lockstep/models";
import { DEPLOY_CONFIG_NAME, MAX_CONFIG_BYTES, parseDeployConfig, type DeployConfig } from "./config.js";
import { DeployError } from "./errors.js";

/** Reads and validates the deployment config (default ./lockstep.deploy.json). */
export async function readDeployConfig(path: string, source = path): Promise<DeployConfig> {
  const text = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new DeployError(
      error.code === "ENOENT" ? "DEPLOY_CONFIG_NOT_FOUND" : "DEPLOY_CONFIG_PARSE",
      error.code === "ENOENT"
        ? `there is no deployment config at ${path} (see docs/deploy.md for ${DEPLOY_CONFIG_NAME})`
        : `cannot read ${path}: ${error.code ?? error.message}`,
    );
  });
  if (text.byteLength > MAX_CONFIG_BYTES)
    throw new DeployError("DEPLOY_CONFIG_INVALID", `${source} is larger than ${MAX_CONFIG_BYTES} bytes`);
  return parseDeployConfig(text.toString("utf8"), Object.keys(models), source);
}
