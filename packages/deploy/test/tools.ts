// Checks that run a real tool (kubectl, promtool, amtool): skipped on a laptop without it, but
// never under CI=true, where .ci/run installs them: there a missing tool fails the check, named.
import { spawnSync } from "node:child_process";
import { beforeAll, describe, it } from "vitest";

/** Whether `command` is on the PATH. */
export const installed = (command: string) =>
  spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;

/** CI=true (or 1), as GitHub Actions and .ci/run's callers set it. */
export const inCi = (env: NodeJS.ProcessEnv = process.env) => /^(true|1)$/i.test(env.CI ?? "");

/** What to do with a check needing `tools`: run it, skip it (a laptop), or fail it (CI). */
export function toolPlan(
  tools: string[],
  has: (command: string) => boolean = installed,
  env: NodeJS.ProcessEnv = process.env,
): { missing: string[]; skip: boolean } {
  const missing = tools.filter((tool) => !has(tool));
  return { missing, skip: missing.length > 0 && !inCi(env) };
}

export function missingToolsError(missing: string[]): Error {
  return new Error(
    `${missing.join(", ")} not installed: CI=true requires every tool-backed check to run (.ci/run installs prometheus and prometheus-alertmanager; kubectl is in the image)`,
  );
}

/** `it` for a check that runs `tools`. */
export function itWith(...tools: string[]) {
  const { missing, skip } = toolPlan(tools);
  return (name: string, fn: () => unknown) =>
    it.skipIf(skip)(name, () => {
      if (missing.length > 0) throw missingToolsError(missing);
      return fn();
    });
}

/** `describe` for checks that all run `tools`. */
export function describeWith(...tools: string[]) {
  const { missing, skip } = toolPlan(tools);
  return (name: string, fn: () => void) =>
    describe.skipIf(skip)(name, () => {
      beforeAll(() => {
        if (missing.length > 0) throw missingToolsError(missing);
      });
      fn();
    });
}
