import { describe, expect, it } from "vitest";
import { terraformFor } from "./terraform.js";

describe("checks that need terraform", () => {
  const installed = () => true;
  const missing = () => false;

  it("skip with their reason on a machine without terraform or its providers", () => {
    expect(terraformFor("terraform validate", {}, missing)).toEqual({
      run: false,
      reason: expect.stringContaining("terraform is not installed"),
    });
    expect(terraformFor("terraform validate", {}, installed)).toEqual({
      run: false,
      reason: expect.stringContaining("TF_PLUGIN_CACHE_DIR"),
    });
  });

  it("never skip under CI=true: they fail, saying what CI must install", () => {
    expect(() => terraformFor("terraform validate", { CI: "true" }, missing)).toThrow(
      /^CI=true: terraform validate must run in CI, and terraform is not installed: install terraform 1\.11 before the tests/,
    );
    // in CI, terraform init downloads the providers: no cache needed
    expect(terraformFor("terraform validate", { CI: "true" }, installed)).toEqual({ run: true });
  });

  it("skip, named, where the CI declares the provider registry unreachable (.ci/run)", () => {
    const env = { CI: "true", LOCKSTEP_TERRAFORM_REGISTRY: "unreachable" };
    expect(terraformFor("terraform validate", env, installed)).toEqual({
      run: false,
      reason: expect.stringContaining("LOCKSTEP_TERRAFORM_REGISTRY=unreachable"),
    });
  });
});
