import {
  readReplaySample,
  readReplayText,
  replayLine,
  type ReplayRead,
  type ReplayWindow,
  type SampledRequest,
} from "@lockstep/monitor";
import { resolve } from "node:path";
import { openStore, type OpenStoreOptions } from "@lockstep/store";
import { ReplayError } from "./errors.js";

/** Where exported samples live in a store: named objects under data/ (beside data snapshots). */
export const SAMPLE_PREFIX = "data/replay";
/** Largest exported sample read from a store. */
export const MAX_EXPORT_BYTES = 256 * 1024 * 1024;

const STORE_SAMPLE = /^(s3:\/\/.+?)\/(data\/replay\/[^?#]+\.jsonl)$/;

/**
 * Reads a replay sample: the server's JSON Lines folder or one .jsonl file (path or file://), a
 * ClickHouse database (http(s)://…/database), or an exported sample in an S3 store
 * (s3://bucket[/prefix]/data/replay/<model>/<name>.jsonl). Bad and foreign records are counted.
 */
export async function readSample(
  uri: string,
  window: ReplayWindow,
  options: OpenStoreOptions = {},
): Promise<ReplayRead> {
  const inStore = STORE_SAMPLE.exec(uri);
  if (inStore) {
    const bytes = await openStore(inStore[1]!, options).getNamed(inStore[2]!, { maxBytes: MAX_EXPORT_BYTES });
    if (!bytes) throw new ReplayError("SAMPLE_INVALID", `there is no replay sample at ${uri}`);
    return readReplayText(bytes.toString("utf8"), window);
  }
  if (/^s3:\/\//.test(uri))
    throw new ReplayError(
      "SAMPLE_INVALID",
      `${uri} is not an exported replay sample (s3://bucket[/prefix]/${SAMPLE_PREFIX}/<model>/<name>.jsonl)`,
    );
  // a relative file:// (a file store's own form) resolves against the lock's folder
  const local = /^file:\/\/[^/]/.test(uri) ? resolve(options.baseDir ?? process.cwd(), uri.slice(7)) : uri;
  try {
    return await readReplaySample(local, window);
  } catch (error) {
    if ((error as { code?: string }).code === "REPLAY_INVALID")
      throw new ReplayError("SAMPLE_INVALID", (error as Error).message);
    throw error;
  }
}

/** A read request as its sample line again (JSON re-encoded, images in base64). */
export function sampleLine(request: SampledRequest): string {
  const { request: body, ...names } = request;
  return replayLine({
    ...names,
    body: names.kind === "image" ? Buffer.from(body as Uint8Array).toString("base64") : JSON.stringify(body),
  });
}

/**
 * Exports a window of a sample to a store as one JSON Lines object,
 * data/replay/<model>/<UTC time>.jsonl and …/latest.jsonl; returns the URI replay's --from takes.
 */
export async function exportSample(
  read: ReplayRead,
  model: string,
  storeUri: string,
  options: OpenStoreOptions = {},
): Promise<{ uri: string; latest: string; requests: number }> {
  if (read.requests.length === 0)
    throw new ReplayError("REPLAY_EMPTY", `the sample holds no request of ${model} to export`);
  const store = openStore(storeUri, options);
  const text = `${read.requests.map(sampleLine).join("\n")}\n`;
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const base = store.uri.replace(/\/+$/, "");
  for (const name of [stamp, "latest"])
    await store.putNamed(`${SAMPLE_PREFIX}/${model}/${name}.jsonl`, text, "application/x-ndjson");
  return {
    uri: `${base}/${SAMPLE_PREFIX}/${model}/${stamp}.jsonl`,
    latest: `${base}/${SAMPLE_PREFIX}/${model}/latest.jsonl`,
    requests: read.requests.length,
  };
}
