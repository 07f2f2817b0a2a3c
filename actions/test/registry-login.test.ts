import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOidc, type FakeOidc } from "@lockstep/store/testing";
import { buildActions } from "../scripts/build.js";
import { runAction } from "./runner.js";

const ACCOUNT = "ajeregistrypusher001";
let action: string;
let work: string;
let oidc: FakeOidc;
let bin: string;

beforeAll(async () => {
  [action] = await buildActions(["registry-login"]);
  work = await mkdtemp(join(tmpdir(), "lockstep-registry-login-"));
  oidc = await startFakeOidc(ACCOUNT);
  // docker is not on this machine: a stand-in records what it was asked and what stdin held
  bin = join(work, "bin");
  await mkdir(bin);
  await writeFile(
    join(bin, "docker"),
    `#!/bin/sh\necho "$@" > "${work}/docker-args"\ncat > "${work}/docker-stdin"\n[ "$FAIL_DOCKER" = 1 ] && { echo "denied: unauthorized" >&2; exit 1; }\nexit 0\n`,
  );
  await chmod(join(bin, "docker"), 0o755);
});
afterAll(() => oidc.close());

const env = (extra: Record<string, string> = {}) => ({
  PATH: `${bin}:${process.env.PATH}`,
  ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
  LOCKSTEP_YC_TOKEN_URL: oidc.tokenUrl,
  ...extra,
});

describe("the registry-login action", () => {
  it("exchanges the job's OIDC token and logs docker in with the IAM token on stdin, masked", async () => {
    const result = await runAction(action, work, work, undefined, { "service-account-id": ACCOUNT }, env());
    expect(result.code, result.stdout).toBe(0);
    expect((await readFile(join(work, "docker-args"), "utf8")).trim()).toBe(
      "login --username iam --password-stdin cr.yandex",
    );
    expect(await readFile(join(work, "docker-stdin"), "utf8")).toBe(oidc.iamToken);
    expect(result.stdout).toContain(`::add-mask::${oidc.iamToken}`);
    expect(result.stdout).not.toMatch(new RegExp(`^(?!::add-mask::).*${oidc.iamToken}`, "m"));
    expect(result.outputs["expires-in"]).toBe("43200");
  });

  it("fails clearly without id-token permission, for an untrusted account, a bad registry, or a refused login", async () => {
    const noPermission = await runAction(
      action,
      work,
      work,
      undefined,
      { "service-account-id": ACCOUNT },
      env({ ACTIONS_ID_TOKEN_REQUEST_URL: "" }),
    );
    expect(noPermission.stdout).toMatch(/::error::cannot get this job's OIDC token .*id-token: write/);
    const untrusted = await runAction(
      action,
      work,
      work,
      undefined,
      { "service-account-id": "ajeothersomeaccount1" },
      env(),
    );
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toMatch(/::error::.*no federated credential/);
    const badRegistry = await runAction(
      action,
      work,
      work,
      undefined,
      { "service-account-id": ACCOUNT, registry: "cr.yandex; rm -rf /" },
      env(),
    );
    expect(badRegistry.stdout).toMatch(/::error::registry must be a host name/);
    const refused = await runAction(
      action,
      work,
      work,
      undefined,
      { "service-account-id": ACCOUNT },
      env({ FAIL_DOCKER: "1" }),
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/::error::docker login cr.yandex failed \(1\): denied: unauthorized/);
  });
});
