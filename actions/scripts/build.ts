// Bundles each action (actions/<name>/src/index.ts) into actions/<name>/dist/index.mjs, the file
// its action.yml runs. Workflows build before use; native packages (onnxruntime-node, sharp) and
// tfjs stay outside and resolve from the workspace's node_modules.   npm run build -w actions
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { NODE_BUNDLE } from "../../scripts/esbuild-node.js";

const ROOT = resolve(import.meta.dirname, "..");

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
