import { setFlagsFromString } from "node:v8";

/**
 * V8's allocation-site pretenuring, off unless LOCKSTEP_V8_PRETENURING=on. Under steady load it
 * now and then decides that a site of the server's short-lived request objects is long-lived and
 * allocates it in the old generation; that process then runs about a quarter slower for the rest
 * of its life (scavenges 5x longer, a full collection every 0.6 s), in roughly one start in five
 * (bench/RESULTS.md). The flag is read by every collection, so setting it before serving is enough.
 */
export function tuneGarbageCollection(pretenuring: boolean): void {
  setFlagsFromString(pretenuring ? "--allocation-site-pretenuring" : "--no-allocation-site-pretenuring");
}
