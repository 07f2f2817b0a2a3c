import { dirname, relative, resolve } from "node:path";
import { fileNameOf, pullSnapshot } from "@lockstep/data";
import { openStore, parseArtifactUri } from "@lockstep/store";
import { CliError } from "../errors.js";
import { lockPath, readLockOrEmpty } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment } from "../params.js";

export interface DataPullOptions {
  env?: string;
  lock?: string;
  force?: boolean;
  json?: boolean;
}

/**
 * `lockstep data pull <model> DIR`: the data a pin was trained on, from its snapshot in the pin's
 * store, into a folder (every object verified against its key; unsafe manifest paths refused).
 */
export async function dataPull(model: string, dir: string, options: DataPullOptions, out: Output) {
  const environment = parseEnvironment(options.env);
  const path = lockPath(options.lock);
  const lock = await readLockOrEmpty(path);
  const pin = lock.models[model]?.pins[environment];
  if (!pin) throw new CliError(`${model} has no pin for "${environment}" in ${path}`);
  const ref = pin.evaluation.dataSnapshot;
  if (!ref)
    throw new CliError(
      `${model}@${environment} v${pin.version} names no data snapshot (trained without --snapshot); its data is ${pin.evaluation.dataset ?? "not named"}`,
    );
  const store = openStore(parseArtifactUri(pin.uri).storeUri, { baseDir: dirname(path) });
  const target = resolve(dir);
  out.progress(`pulling ${ref} from ${store.uri} into ${target}`);
  const read = await pullSnapshot(store, ref, target, {
    force: options.force,
    name: fileNameOf(pin.evaluation.dataset ?? ""),
  });
  const summary = {
    model,
    environment,
    version: pin.version,
    snapshot: ref,
    dataset: pin.evaluation.dataset,
    path: read.path,
    kind: read.kind,
    files: read.files,
    bytes: read.bytes,
  };
  if (options.json) out.json(summary);
  else
    out.result(
      `${model}@${environment} v${pin.version}: ${read.kind === "file" ? "1 file" : `${read.files} files`}, ${read.bytes} bytes (${ref}, verified) in ${relative(process.cwd(), read.path) || "."}`,
    );
  return summary;
}
