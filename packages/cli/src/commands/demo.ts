import { dirname } from "node:path";
import { readLock } from "@lockstep/lockfile";
import { openStore, parseArtifactUri } from "@lockstep/store";
import { CliError, EXIT } from "../errors.js";
import { lockPath } from "../lock-io.js";
import type { Output } from "../output.js";
import { parseEnvironment } from "../params.js";
import { serve } from "./serve.js";
import { train } from "./train.js";

const MODEL = "co2-forecast";

/**
 * The walking skeleton end to end: train co2-forecast, gate it against the pin, pin it when it wins
 * (or when nothing is pinned), then serve the pinned artifact and print a curl to try it.
 */
export async function demo(
  options: { port?: string; env?: string; lock?: string },
  out: Output,
): Promise<void> {
  const environment = parseEnvironment(options.env);
  const path = lockPath(options.lock);
  out.progress(`training ${MODEL} into the local store (default data and params)`);
  const outcome = await train(MODEL, { env: environment, lock: options.lock, pin: true }, out);
  const { pin } = outcome.candidate;
  const lock = await readLock(path);
  const pinned = lock.models[MODEL]?.pins[environment];
  if (!pinned)
    throw new CliError(`no ${MODEL} pin for ${environment} after training`, EXIT.failure, "NOTHING_PINNED");
  if (outcome.pinned) {
    out.progress(
      `pinned ${MODEL}@${environment} version ${pinned.version} (${outcome.candidate.verdict.reason})`,
    );
  } else if (pinned.sha256 === pin.sha256) {
    out.progress(
      `rebuilt the pinned artifact bit for bit (sha256 ${pin.sha256.slice(0, 12)}): deterministic training`,
    );
  } else {
    const { storeUri } = parseArtifactUri(pinned.uri);
    const present = await openStore(storeUri, { baseDir: dirname(path) }).has(pinned.sha256);
    if (!present) {
      throw new CliError(
        `the pinned ${MODEL} artifact (sha256 ${pinned.sha256.slice(0, 12)}) is not in the store, and this rebuild ` +
          `produced ${pin.sha256.slice(0, 12)} instead (different code, data or params). Restore the artifact, ` +
          `or remove the pin from ${path} and run again to pin the rebuild.`,
        EXIT.failure,
        "PIN_NOT_REPRODUCIBLE",
      );
    }
    out.progress(`keeping version ${pinned.version}: ${outcome.candidate.verdict.reason}`);
  }
  const running = await serve(
    { lock: options.lock, env: environment, port: options.port, logLevel: "warn" },
    out,
  );
  if (!(await running.settled)) {
    await running.server.close();
    throw new CliError("the pinned model did not load (see the warning above)", EXIT.failure, "NOT_READY");
  }
  const url = `http://localhost:${running.port}`;
  out.result(
    [
      ``,
      `Lockstep is serving ${MODEL} v${pinned.version} (sha256 ${pinned.sha256.slice(0, 12)}) at ${url}`,
      `Try it:`,
      `  curl -s -X POST ${url}/v1/models/${MODEL}/predict -H 'content-type: application/json' -d '{"horizon": 12}'`,
      `Also: ${url}/readyz  ${url}/metrics`,
      `Press Ctrl-C to stop.`,
    ].join("\n"),
  );
}
