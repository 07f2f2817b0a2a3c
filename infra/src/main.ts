import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEPLOY_CONFIG_NAME, readDeployConfig } from "@lockstep/deploy";
import { buildApp } from "./app.js";
import { readInfraConfig } from "./config.js";

const INFRA = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** `npm run synth -- [--env production] [--local-state] [--out DIR]`: writes every stack's Terraform JSON. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: "string", default: process.env.LOCKSTEP_INFRA_ENV ?? "production" },
      "local-state": { type: "boolean", default: false },
      out: { type: "string" },
    },
  });
  const env = values.env!;
  if (!/^[a-z0-9-]{1,40}$/.test(env))
    throw new Error(`--env ${JSON.stringify(env.slice(0, 40))} is not an environment name`);
  const config = await readInfraConfig(join(INFRA, "env", `${env}.json`));
  const deploy = await readDeployConfig(join(INFRA, "..", DEPLOY_CONFIG_NAME));
  const outdir = resolve(values.out ?? process.env.CDKTF_OUTDIR ?? join(INFRA, "cdktf.out"));
  const { app, stacks } = buildApp({
    config,
    deploy,
    outdir,
    state: values["local-state"] ? "local" : "remote",
  });
  app.synth();
  process.stdout.write(
    `synthesized ${Object.keys(stacks).length} stacks for ${env} into ${outdir}/stacks: ${Object.keys(stacks).join(", ")}\n`,
  );
}

main().catch((error: Error & { code?: string }) => {
  console.error(`infra: ${error.code ? `${error.code}: ` : ""}${error.message}`);
  process.exitCode = 2;
});
