import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { readCard, type ModelCard } from "@lockstep/onnx";
import { openStore, sha256Hex, type OpenStoreOptions } from "@lockstep/store";
import { ReplayError } from "./errors.js";

/** An artifact replay runs: its verified bytes, its card, and where it came from. */
export interface ReplayArtifact {
  bytes: Buffer;
  card: ModelCard;
  sha256: string;
  /** The file or store URI it was read from. */
  source: string;
}

/** Largest candidate file read (an ONNX model with its card; the largest pin is a few MiB). */
export const MAX_CANDIDATE_BYTES = 512 * 1024 * 1024;

const SHA = /^(?:sha256:)?([0-9a-f]{64})$/;

/** The card, with the model it must name: a candidate of another model is never replayed. */
function cardOf(bytes: Buffer, model: string, source: string): ModelCard {
  let card: ModelCard;
  try {
    card = readCard(bytes);
  } catch (error) {
    throw new ReplayError(
      "CANDIDATE_INVALID",
      `${source} is not an ONNX model with a card: ${(error as Error).message}`,
    );
  }
  if (card.name !== model)
    throw new ReplayError("CANDIDATE_MISMATCH", `${source}'s card names "${card.name}", not "${model}"`);
  return card;
}

/**
 * The candidate as `--candidate` names it: a sha256 (`sha256:<hex>` or the hex) is fetched from the
 * store and verified by it (a mismatch is the store's IntegrityError, never loaded); a file is
 * hashed, and named by that hash. `expectedSha256`, when given, must match a file's hash too.
 */
export async function loadCandidate(
  model: string,
  ref: string,
  options: OpenStoreOptions & { storeUri: string; expectedSha256?: string },
): Promise<ReplayArtifact> {
  const sha = SHA.exec(ref.trim())?.[1];
  if (sha) {
    const store = openStore(options.storeUri, options);
    if (!(await store.has(sha)))
      throw new ReplayError("CANDIDATE_INVALID", `no artifact sha256:${sha} in ${store.uri}`);
    const uri = store.uriFor(sha);
    const bytes = await store.get(uri, sha, { maxBytes: MAX_CANDIDATE_BYTES });
    return { bytes, card: cardOf(bytes, model, uri), sha256: sha, source: uri };
  }
  const path = resolve(options.baseDir ?? process.cwd(), ref.replace(/^file:\/\//, ""));
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile())
    throw new ReplayError("CANDIDATE_INVALID", `--candidate ${ref}: no such file, and not a sha256`);
  if (info.size > MAX_CANDIDATE_BYTES)
    throw new ReplayError("CANDIDATE_INVALID", `${path} is larger than ${MAX_CANDIDATE_BYTES} bytes`);
  const bytes = await readFile(path);
  const sha256 = sha256Hex(bytes);
  if (options.expectedSha256 !== undefined && options.expectedSha256 !== sha256)
    throw new ReplayError(
      "CANDIDATE_MISMATCH",
      `${path} hashes to sha256:${sha256}, not the sha256:${options.expectedSha256} it was given as`,
    );
  return { bytes, card: cardOf(bytes, model, path), sha256, source: path };
}
