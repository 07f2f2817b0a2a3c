import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export type TerraformNeed = { run: true } | { run: false; reason: string };

const terraformRuns = () => spawnSync("terraform", ["version"]).status === 0;

/** The providers the stacks need, where `terraform init` finds them offline. */
const providersCached = (env: NodeJS.ProcessEnv) => {
  const cache = env.TF_PLUGIN_CACHE_DIR;
  return (
    cache !== undefined &&
    existsSync(join(cache, "registry.terraform.io", "yandex-cloud", "yandex", "0.177.0")) &&
    existsSync(join(cache, "registry.terraform.io", "hashicorp", "helm"))
  );
};

/**
 * Whether `check` (something that needs terraform) can run here. On a machine without terraform or
 * without the providers (which cannot be downloaded here) it is skipped with its reason; under
 * CI=true it must run (terraform init downloads the providers there), so a missing terraform is a
 * failure that says what CI must install, never a quiet skip.
 */
export function terraformFor(
  check: string,
  env: NodeJS.ProcessEnv = process.env,
  installed: () => boolean = terraformRuns,
): TerraformNeed {
  const ci = env.CI === "true";
  // a CI without the provider registry (.ci/run: npm and Debian only) says so, and the skip is named
  const unreachable = env.LOCKSTEP_TERRAFORM_REGISTRY === "unreachable";
  if (unreachable)
    return {
      run: false,
      reason: `${check} needs the yandex and helm providers, and LOCKSTEP_TERRAFORM_REGISTRY=unreachable says this CI cannot download them`,
    };
  const reason = !installed()
    ? "terraform is not installed"
    : !ci && !providersCached(env)
      ? "the yandex 0.177.0 and helm providers are not in TF_PLUGIN_CACHE_DIR (and this machine cannot download them)"
      : undefined;
  if (reason === undefined) return { run: true };
  if (ci)
    throw new Error(
      `CI=true: ${check} must run in CI, and ${reason}: install terraform 1.11 before the tests (hashicorp/setup-terraform; terraform init downloads the providers)`,
    );
  return { run: false, reason: `${check} needs terraform and its providers: ${reason}` };
}
