// Bundles the server into dist/main.mjs (+ lazily loaded chunks) for the container, with only the
// native packages (onnxruntime-node, sharp) left to node_modules. Training libraries (tfjs) are
// never imported by serving and stay out.   npm run bundle -w apps/inference
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { build } from "esbuild";
import { NODE_BUNDLE } from "../../../scripts/esbuild-node.js";
import { productionLock, type PackageLock } from "./production-lock.js";

export const NATIVE = ["onnxruntime-node", "sharp"];

export async function bundle(
  outDir: string,
): Promise<{ main: string; monitor: string; dependencies: Record<string, string> }> {
  const root = resolve(import.meta.dirname, "..");
  const main = join(outDir, "dist/main.mjs");
  await mkdir(dirname(main), { recursive: true });
  await build({
    ...NODE_BUNDLE,
    // lockstep.mjs: the CLI's `monitor` alone, for the monitor CronJob (same image, same pins)
    entryPoints: {
      main: join(root, "src/main.ts"),
      lockstep: join(root, "../../packages/cli/src/monitor-bin.ts"),
    },
    outdir: dirname(main),
    outExtension: { ".js": ".mjs" },
    // code reached only through import() (training) goes to chunks loaded on demand, so their
    // imports of tfjs are never evaluated by the server
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
  });
  // the onnxruntime session worker is plain JavaScript importing only onnxruntime-node
  await cp(join(root, "src/runtime/session-worker.mjs"), join(dirname(main), "session-worker.mjs"));
  await cp(join(root, "web"), join(outDir, "web"), { recursive: true });
  const lock = JSON.parse(await readFile(resolve(root, "../../package-lock.json"), "utf8")) as PackageLock;
  // the image installs these with `npm ci` from a lockfile cut from the repository's
  const production = productionLock(lock, "lockstep-inference", NATIVE);
  const dependencies = production.packages[""]!.dependencies!;
  await writeFile(
    join(outDir, "package.json"),
    `${JSON.stringify({ name: "lockstep-inference", private: true, type: "module", dependencies }, null, 2)}\n`,
  );
  await writeFile(join(outDir, "package-lock.json"), `${JSON.stringify(production, null, 2)}\n`);
  return { main, monitor: join(dirname(main), "lockstep.mjs"), dependencies };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = resolve(process.argv[2] ?? "build");
  const { main, dependencies } = await bundle(out);
  console.error(`bundled ${main}; production dependencies: ${JSON.stringify(dependencies)}`);
}
