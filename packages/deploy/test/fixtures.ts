/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped, as a reviewer reads it */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseLock, type LockFile, type Pin } from "@lockstep/lockfile";
import { models } from "@lockstep/models";
import { parseDeployConfig, UNRELEASED_DIGEST, type DeployConfig } from "../src/index.js";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export function committedLock(): LockFile {
  return parseLock(readFileSync(`${ROOT}models.lock.json`, "utf8"));
}

export function committedConfigText(): string {
  return readFileSync(`${ROOT}lockstep.deploy.json`, "utf8");
}

/** A digest standing in for a released image, so tests render what a cluster would get. */
export const TEST_IMAGE_DIGEST = `sha256:${"1".repeat(64)}`;

/** The committed config, released: its placeholder digest (if still there) replaced by TEST_IMAGE_DIGEST. */
export function committedConfig(): DeployConfig {
  const config = parseDeployConfig(committedConfigText(), Object.keys(models));
  if (config.image.digest === UNRELEASED_DIGEST) config.image.digest = TEST_IMAGE_DIGEST;
  return config;
}

/** A config with one change made by `edit` on a deep copy of the committed one. */
export function configWith(edit: (config: Record<string, any>) => void): unknown {
  const config = JSON.parse(committedConfigText());
  if (config.image.digest === UNRELEASED_DIGEST) config.image.digest = TEST_IMAGE_DIGEST;
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
