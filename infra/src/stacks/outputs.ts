import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";

/** An output named as the repository variable (or value) docs/github.md and docs/infra.md ask the user to set from it. */
export function output(scope: Construct, name: string, value: string, description: string): TerraformOutput {
  return new TerraformOutput(scope, name, { value, description });
}
