import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEPLOY_CONFIG_NAME, readDeployConfig } from "@lockstep/deploy";
import { buildApp } from "./app.js";
import { readInfraConfig } from "./config.js";
import { stackGraph, type StackGraph } from "./graph.js";

const INFRA = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The stacks of an environment, as a graph (nothing is written but a temporary folder, removed). */
export async function environmentGraph(env: string): Promise<StackGraph> {
  if (!/^[a-z0-9-]{1,40}$/.test(env))
    throw new Error(`--env ${JSON.stringify(env.slice(0, 40))} is not an environment name`);
  const config = await readInfraConfig(join(INFRA, "env", `${env}.json`));
  const deploy = await readDeployConfig(join(INFRA, "..", DEPLOY_CONFIG_NAME));
  const outdir = mkdtempSync(join(tmpdir(), "lockstep-stacks-"));
  try {
    return stackGraph(buildApp({ config, deploy, outdir }).app);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** What `npm run -w infra stacks -- <flag>` prints (infra.yml reads --producers and --cluster-access). */
export function render(
  graph: StackGraph,
  flag: "order" | "layers" | "producers" | "cluster-access" | "json" | "table",
): string {
  switch (flag) {
    case "order":
      return `${graph.order.join(" ")}\n`;
    case "layers":
      return graph.layers.map((layer) => `${layer.join(" ")}\n`).join("");
    case "producers":
      return graph.order.map((s) => `${[s, ...graph.producers[s]!].join(" ")}\n`).join("");
    case "cluster-access":
      return `${graph.clusterAccess.join(" ")}\n`;
    case "json":
      return `${JSON.stringify(graph, null, 2)}\n`;
    case "table":
      return graph.layers
        .map(
          (layer, i) =>
            `${i + 1}. ${layer
              .map((s) => {
                const from = graph.producers[s]!;
                const notes = [
                  ...(from.length > 0 ? [`reads ${from.join(", ")}`] : []),
                  ...(graph.clusterAccess.includes(s) ? ["plans through the Kubernetes API"] : []),
                ];
                return notes.length > 0 ? `${s} (${notes.join("; ")})` : s;
              })
              .join(", ")}\n`,
        )
        .join("");
  }
}

/**
 * `npm run -w infra stacks -- [--env production] [--order | --layers | --producers | --cluster-access | --json]`:
 * the order the stacks are planned and applied in, derived from their cross-stack references.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: "string", default: process.env.LOCKSTEP_INFRA_ENV ?? "production" },
      order: { type: "boolean", default: false },
      layers: { type: "boolean", default: false },
      producers: { type: "boolean", default: false },
      "cluster-access": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const flags = (["order", "layers", "producers", "cluster-access", "json"] as const).filter(
    (f) => values[f],
  );
  if (flags.length > 1) throw new Error(`--${flags.join(" and --")}: one at a time`);
  process.stdout.write(render(await environmentGraph(values.env!), flags[0] ?? "table"));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((error: Error & { code?: string }) => {
    console.error(`infra: ${error.code ? `${error.code}: ` : ""}${error.message}`);
    process.exitCode = 2;
  });
