import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { INFRA } from "./synth.js";

const exec = promisify(execFile);
const synth = (...args: string[]) =>
  exec(process.execPath, ["--import", "tsx", join(INFRA, "src", "main.ts"), ...args], { cwd: INFRA }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe("npm run synth", () => {
  it("writes every stack's Terraform JSON into --out and says so", async () => {
    const out = mkdtempSync(join(tmpdir(), "lockstep-synth-"));
    try {
      const result = await synth("--out", out);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(
        /^synthesized 7 stacks for production into .*: network, storage, registry, identity, cluster, cache, platform\n$/,
      );
      for (const stack of ["network", "storage", "registry", "identity", "cluster", "cache", "platform"])
        expect(existsSync(join(out, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
      const local = await synth("--out", out, "--local-state");
      expect(local.code).toBe(0);
      expect(
        JSON.parse(readFileSync(join(out, "stacks", "storage", "cdk.tf.json"), "utf8")).terraform.backend,
      ).toHaveProperty("local");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses an unknown or hostile environment and unknown flags with exit 2", async () => {
    const missing = await synth("--env", "staging");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^infra: INFRA_CONFIG_NOT_FOUND: there is no infrastructure config at .*env\/staging.json\n$/,
    );
    const hostile = await synth("--env", "../../etc/passwd");
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toMatch(/--env "..\/..\/etc\/passwd" is not an environment name/);
    const flag = await synth("--nope");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown option '--nope'/);
  }, 60_000);
});
