import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DEPLOY_CONFIG_NAME,
  deployedArtifactUri,
  parseDeployConfig,
  type DeployConfig,
  type StoreConfig,
} from "@lockstep/deploy";
import { diffLock, type LockFile } from "@lockstep/lockfile";
import { models } from "@lockstep/models";
import type { PinVerification } from "@lockstep/verify";
import { readAtRevision } from "./git.js";

/**
 * The deployment config at a lock reference: `git:REV` reads it from that commit (data only, never
 * a checkout), anything else from the working tree beside the lock; undefined when there is none.
 */
export async function deployConfigAt(ref: string, dir: string): Promise<DeployConfig | undefined> {
  if (ref.startsWith("git:")) {
    const revision = ref.slice(4) || "HEAD";
    const text = await readAtRevision(dir, revision, DEPLOY_CONFIG_NAME);
    return text === undefined
      ? undefined
      : parseDeployConfig(text, Object.keys(models), `${DEPLOY_CONFIG_NAME}@${revision}`);
  }
  const path = join(dir, DEPLOY_CONFIG_NAME);
  return existsSync(path)
    ? parseDeployConfig(await readFile(path, "utf8"), Object.keys(models), path)
    : undefined;
}

export interface Relocation {
  /** The lock with each changed pin's URI where its environment's pods read it. */
  lock: LockFile;
  /** Pins that cannot be verified where they will be loaded, already failed. */
  refused: PinVerification[];
  /** "model/environment" → the URI read and the store it is in. */
  where: Map<string, { uri: string; store: StoreConfig }>;
}

/** The environment a store client of `store` runs with: its endpoint and region, as the pods get them. */
export function storeEnvironment(store: StoreConfig, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    ...(store.endpoint ? { AWS_ENDPOINT_URL_S3: store.endpoint } : {}),
    ...(store.region ? { AWS_REGION: store.region } : {}),
  };
}

const sameStore = (a: StoreConfig, b: StoreConfig) =>
  a.uri === b.uri && (a.endpoint ?? "") === (b.endpoint ?? "") && (a.region ?? "") === (b.region ?? "");

/**
 * Points every pin `after` adds or changes at the object its environment's pods will load
 * (`<environment store>/sha256/<sha256>` in the deployment config that ships with the lock), so
 * verification reads those bytes, not whatever the pin's own `uri` names. A pin whose environment
 * no config deploys, or whose store the same change moves (the base deploys it elsewhere), is refused.
 */
export function relocateToDeployed(
  before: LockFile,
  after: LockFile,
  config: DeployConfig | undefined,
  baseConfig: DeployConfig | undefined,
): Relocation {
  const lock = structuredClone(after);
  const refused: PinVerification[] = [];
  const where: Relocation["where"] = new Map();
  for (const change of diffLock(before, after)) {
    if (!change.after) continue;
    const { model, environment } = change;
    const refuse = (detail: string) => {
      refused.push({
        model,
        environment,
        version: change.after!.version,
        sha256: change.after!.sha256,
        ok: false,
        checks: [{ name: "location", ok: false, detail }],
      });
      delete lock.models[model]!.pins[environment];
    };
    const env = config?.environments[environment];
    if (!env) {
      refuse(
        `no ${DEPLOY_CONFIG_NAME} deploys environment "${environment}": there is no store its pods read to verify against`,
      );
      continue;
    }
    const was = baseConfig?.environments[environment];
    if (was && !sameStore(was.store, env.store)) {
      refuse(
        `this change also moves ${environment}'s store (${was.store.uri} at ${was.store.endpoint ?? "the default endpoint"} → ${env.store.uri} at ${env.store.endpoint ?? "the default endpoint"}): move the store in a pull request of its own, then pin`,
      );
      continue;
    }
    const uri = deployedArtifactUri(env.store.uri, change.after.sha256);
    lock.models[model]!.pins[environment] = { ...change.after, uri };
    where.set(`${model}/${environment}`, { uri, store: env.store });
  }
  return { lock, refused, where };
}
