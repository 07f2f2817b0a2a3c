import { pino } from "pino";
import type { LockFile } from "@lockstep/lockfile";
import {
  configWith,
  createInferenceServer,
  type ConfigOverrides,
  type InferenceServer,
  type ServerOptions,
} from "../src/index.js";

export { fishPhoto, threeModelProject, trainedProject, trainInto } from "../testing/models.js";

export async function startServer(
  lock: LockFile,
  dir: string,
  { config, ...options }: Partial<Omit<ServerOptions, "config">> & { config?: ConfigOverrides } = {},
): Promise<{ server: InferenceServer; url: string; waitReady: () => Promise<void> }> {
  const server = createInferenceServer({
    lock,
    config: configWith(config),
    storeOptions: { baseDir: dir },
    logger: pino({ level: "silent" }),
    ...options,
  });
  const { port } = await server.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}`;
  const waitReady = async () => {
    await server.registry.settled();
  };
  return { server, url, waitReady };
}
