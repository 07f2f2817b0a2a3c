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

/** The store endpoints a config names (`default` for the SDK's own): where credentials may be sent. */
const endpoints = (config: DeployConfig) =>
  new Set(Object.values(config.environments).map((e) => e.store.endpoint ?? "default"));

/**
 * The stores a lock may name: the trusted config's (the base's), and the head's where it moves a
 * store within an endpoint the base already names.
 */
export function trustedStores(head: DeployConfig | undefined, base: DeployConfig | undefined): string[] {
  const trusted = base ?? head;
  if (!trusted) return [];
  const known = endpoints(trusted);
  return [
    ...Object.values(trusted.environments).map((e) => e.store.uri),
    ...Object.values(head?.environments ?? {})
      .filter((e) => known.has(e.store.endpoint ?? "default"))
      .map((e) => e.store.uri),
  ];
}

/**
 * Points every pin `after` adds or changes, and every pin of an environment whose store the head
 * moves, at the object its environment's pods will load (`<environment store>/sha256/<sha256>`
 * in the head's deployment config), so verification reads those bytes, not whatever the pin's own
 * `uri` names. The base's config is the one trusted (a pull request's cannot widen it): a pin of
 * an environment the base does not deploy, or whose store sits at an endpoint the base never
 * names, is refused without a request, so no credential goes where the head points.
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
  const known = baseConfig ? endpoints(baseConfig) : undefined;
  const moved = new Set(
    Object.entries(config?.environments ?? {})
      .filter(([name, env]) => {
        const was = baseConfig?.environments[name];
        return was !== undefined && !sameStore(was.store, env.store);
      })
      .map(([name]) => name),
  );
  const changed = new Map(diffLock(before, after).map((c) => [`${c.model}/${c.environment}`, c.after]));
  for (const [model, entry] of Object.entries(after.models))
    for (const [environment, pin] of Object.entries(entry.pins))
      if (moved.has(environment)) changed.set(`${model}/${environment}`, pin);
  for (const [key, pin] of changed) {
    if (!pin) continue;
    const [model, environment] = key.split("/") as [string, string];
    const refuse = (detail: string) => {
      refused.push({
        model,
        environment,
        version: pin.version,
        sha256: pin.sha256,
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
    if (baseConfig && !baseConfig.environments[environment]) {
      refuse(
        `the base deploys no environment "${environment}": add the environment in a change of its own, then pin (verification sends credentials only to stores the base names)`,
      );
      continue;
    }
    if (known && !known.has(env.store.endpoint ?? "default")) {
      refuse(
        `${environment}'s store endpoint ${env.store.endpoint ?? "(the default)"} is not one the base names: verification sends no credentials there (a new endpoint is an administrator's change, reviewed on its own)`,
      );
      continue;
    }
    const uri = deployedArtifactUri(env.store.uri, pin.sha256);
    lock.models[model]!.pins[environment] = { ...pin, uri };
    where.set(key, { uri, store: env.store });
  }
  return { lock, refused, where };
}
