// Bundles each action (actions/<name>/src/index.ts) into actions/<name>/dist/index.mjs, the file
// its action.yml runs. Workflows build before use; native packages (onnxruntime-node, sharp) and
// tfjs stay outside and resolve from the workspace's node_modules.   npm run build -w actions
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

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
    await build({
      entryPoints: [join(ROOT, name, "src", "index.ts")],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "linked",
      legalComments: "none",
      external: ["onnxruntime-node", "sharp", "@tensorflow/*"],
      // CommonJS dependencies call require(); ESM output needs one
      banner: {
        js: 'import { createRequire as __lockstepRequire } from "node:module"; const require = __lockstepRequire(import.meta.url);',
      },
      logLevel: "warning",
    });
    outputs.push(outfile);
  }
  return outputs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of await buildActions()) console.error(`built ${file}`);
}
