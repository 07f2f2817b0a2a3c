// The container entry point: configuration by environment only.
//   LOCKSTEP_LOCK (default models.lock.json), LOCKSTEP_ENV (default staging), PORT (default 8080)
import { dirname, resolve } from "node:path";
import { readLock } from "@lockstep/lockfile";
import { createInferenceServer } from "./server.js";

const lockPath = resolve(process.env.LOCKSTEP_LOCK ?? "models.lock.json");
const environment = process.env.LOCKSTEP_ENV ?? "staging";
const port = Number(process.env.PORT ?? 8080);

const lock = await readLock(lockPath);
const server = createInferenceServer({ lock, environment, storeOptions: { baseDir: dirname(lockPath) } });
await server.listen(port);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.logger.info({ signal }, "shutting down");
    void server.close().then(() => process.exit(0));
  });
}
