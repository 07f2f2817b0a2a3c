/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized JSON is read back untyped, as a reviewer reads it */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDeployConfig, type DeployConfig } from "@lockstep/deploy";
import { models } from "@lockstep/models";
import { buildApp, type Stacks } from "../src/app.js";
import { parseInfraConfig, type InfraConfig } from "../src/config.js";
import type { StateLocation } from "../src/stacks/base.js";
import type { ProviderSchema, Synthesized } from "./schema-check.js";

export const INFRA = fileURLToPath(new URL("../", import.meta.url));
export const ROOT = join(INFRA, "..");

export const configText = () => readFileSync(join(INFRA, "env", "production.json"), "utf8");
export const committedConfig = (): InfraConfig => parseInfraConfig(configText(), "production.json");
export const deployConfig = (): DeployConfig =>
  parseDeployConfig(readFileSync(join(ROOT, "lockstep.deploy.json"), "utf8"), Object.keys(models));

export const schema = (): ProviderSchema =>
  JSON.parse(readFileSync(join(INFRA, "test", "fixtures", "yandex-provider-schema.json"), "utf8"))
    .provider_schemas["registry.terraform.io/yandex-cloud/yandex"];

export type StackName = keyof Stacks;
export interface SynthResult {
  stacks: Stacks;
  json: Record<StackName, Synthesized & Record<string, unknown>>;
  text: Record<StackName, string>;
}

/** Synthesizes every stack of `config` into a temporary folder and reads each stack's JSON back. */
export function synthAll(
  config = committedConfig(),
  state: StateLocation = "remote",
  deploy: DeployConfig = deployConfig(),
): SynthResult {
  const outdir = mkdtempSync(join(tmpdir(), "lockstep-infra-"));
  try {
    const { app, stacks } = buildApp({ config, deploy, outdir, state });
    app.synth();
    const names = Object.keys(stacks) as StackName[];
    const text = Object.fromEntries(
      names.map((name) => [name, readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")]),
    ) as Record<StackName, string>;
    const json = Object.fromEntries(names.map((n) => [n, JSON.parse(text[n])])) as SynthResult["json"];
    return { stacks, json, text };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every instance of a resource type across the stacks, with its stack's name. */
export function resources(
  result: SynthResult,
  type: string,
): { stack: StackName; name: string; value: Record<string, any> }[] {
  return (Object.keys(result.json) as StackName[]).flatMap((stack) =>
    Object.entries(result.json[stack].resource?.[type] ?? {}).map(([name, value]) => ({
      stack,
      name,
      value,
    })),
  );
}
