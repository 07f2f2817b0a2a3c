/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped, as a reviewer reads it */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseLock, type LockFile, type Pin } from "@lockstep/lockfile";
import { models } from "@lockstep/models";
import { parseDeployConfig, type DeployConfig } from "../src/index.js";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export function committedLock(): LockFile {
  return parseLock(readFileSync(`${ROOT}models.lock.json`, "utf8"));
}

export function committedConfigText(): string {
  return readFileSync(`${ROOT}lockstep.deploy.json`, "utf8");
}

export function committedConfig(): DeployConfig {
  return parseDeployConfig(committedConfigText(), Object.keys(models));
}

/** A config with one change made by `edit` on a deep copy of the committed one. */
export function configWith(edit: (config: Record<string, any>) => void): unknown {
  const config = JSON.parse(committedConfigText());
  edit(config);
  return config;
}

/** A pin for a different artifact of the same model (what a merged bump would bring). */
export function bumpedPin(pin: Pin, sha256 = "ab".repeat(32)): Pin {
  return {
    ...pin,
    sha256,
    version: String(Number(pin.version) + 1),
    uri: pin.uri.replace(pin.sha256, sha256),
  };
}
