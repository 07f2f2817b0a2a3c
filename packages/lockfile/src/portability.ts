import { pointerSegment } from "./validate.js";
import type { LockFile } from "./types.js";

/** True for an artifact URI only one machine can read: an absolute file:/// path, or file://../ outside the checkout. */
export function localOnly(uri: string): boolean {
  return uri.startsWith("file:///") || /^file:\/\/\.\.\//.test(uri);
}

export interface PortabilityWarning {
  pointer: string;
  message: string;
}

/**
 * Pins a lock shared through git should not carry: URIs that resolve on one machine only. Relative
 * file://.lockstep/store URIs are fine (each clone rebuilds into its own store); s3:// is shared.
 */
export function portabilityWarnings(lock: LockFile): PortabilityWarning[] {
  const warnings: PortabilityWarning[] = [];
  for (const [name, model] of Object.entries(lock.models)) {
    for (const [env, pin] of Object.entries(model.pins)) {
      if (localOnly(pin.uri))
        warnings.push({
          pointer: `/models/${pointerSegment(name)}/pins/${pointerSegment(env)}/uri`,
          message: `${pin.uri} names a file on one machine: no other clone, runner or cluster can fetch it (pin to file://.lockstep/store or s3://)`,
        });
    }
  }
  return warnings;
}

const trimSlashes = (uri: string) => uri.trim().replace(/\/+$/, "");

/**
 * Pins whose URI is not `<store>/sha256/<its sha256>` in one of `stores` (the environments'
 * stores of the deployment config and the local default store): a pin may name only an object
 * a configured store holds under its own hash, never an arbitrary file or bucket.
 */
export function storeWarnings(lock: LockFile, stores: readonly string[]): PortabilityWarning[] {
  const allowed = [...new Set(stores.map(trimSlashes))];
  const warnings: PortabilityWarning[] = [];
  for (const [name, model] of Object.entries(lock.models)) {
    for (const [env, pin] of Object.entries(model.pins)) {
      if (allowed.some((store) => pin.uri === `${store}/sha256/${pin.sha256}`)) continue;
      warnings.push({
        pointer: `/models/${pointerSegment(name)}/pins/${pointerSegment(env)}/uri`,
        message: `${pin.uri} is not <store>/sha256/${pin.sha256.slice(0, 12)}… in a configured store (${allowed.join(", ")})`,
      });
    }
  }
  return warnings;
}
