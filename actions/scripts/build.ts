// Bundles each action (actions/<name>/src/index.ts) into actions/<name>/dist/index.mjs, the file
// its action.yml runs. Workflows build before use; native packages (onnxruntime-node, sharp) and
// tfjs stay outside and resolve from the workspace's node_modules.   npm run build -w actions
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { NODE_BUNDLE } from "../../scripts/esbuild-node.js";

const ROOT = resolve(import.meta.dirname, "..");
const PACKAGES = resolve(ROOT, "../packages");

/**
 * Modules that training starts as worker threads, found beside the bundle that starts them
 * (siblingModule in packages/ml/src/nn/thread-pool.ts): the pool's thread entry and co2-forecast's
 * member task. A bundle that names one gets both, as files of their own.
 */
const THREAD_ENTRIES = {
  "thread-main": join(PACKAGES, "ml/src/nn/thread-main.ts"),
  "member-task": join(PACKAGES, "models/src/co2-forecast/member-task.ts"),
};

export function actionNames(): string[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(ROOT, e.name, "action.yml")))
    .map((e) => e.name)
    .sort();
}

export async function buildActions(names = actionNames()): Promise<string[]> {
  const outputs: string[] = [];
  for (const name of names) {
    const outfile = join(ROOT, name, "dist", "index.mjs");
    await build({ ...NODE_BUNDLE, entryPoints: [join(ROOT, name, "src", "index.ts")], outfile });
    if (readFileSync(outfile, "utf8").includes('"member-task"'))
      await build({
        ...NODE_BUNDLE,
        entryPoints: THREAD_ENTRIES,
        outdir: join(ROOT, name, "dist"),
        outExtension: { ".js": ".mjs" },
      });
    // an action with a post step (runs.post) has src/post-entry.ts → dist/post.mjs
    const post = join(ROOT, name, "src", "post-entry.ts");
    if (existsSync(post))
      await build({ ...NODE_BUNDLE, entryPoints: [post], outfile: join(ROOT, name, "dist", "post.mjs") });
    outputs.push(outfile);
  }
  return outputs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of await buildActions()) console.error(`built ${file}`);
}
