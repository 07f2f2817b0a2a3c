import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOidc, type FakeOidc } from "@lockstep/store/testing";
import { buildActions } from "../scripts/build.js";
import { startFakeIam, type FakeIam } from "./fake-yc-iam.js";
import { runAction } from "./runner.js";

const ACCOUNT = "ajeinfraterraform001";
let action: string;
let post: string;
let work: string;
let oidc: FakeOidc;
let iam: FakeIam;

beforeAll(async () => {
  [action] = await buildActions(["yc-credentials"]);
  post = action!.replace(/index\.mjs$/, "post.mjs");
  work = await mkdtemp(join(tmpdir(), "lockstep-yc-credentials-"));
  oidc = await startFakeOidc(ACCOUNT);
  iam = await startFakeIam(oidc.iamToken);
});
afterAll(async () => {
  await oidc.close();
  await iam.close();
});

const env = (extra: Record<string, string> = {}) => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
  LOCKSTEP_YC_TOKEN_URL: oidc.tokenUrl,
  LOCKSTEP_YC_IAM_URL: iam.url,
  ...extra,
});
const postStep = (state: Record<string, string>, extra: Record<string, string> = {}) =>
  runAction(
    post,
    work,
    work,
    undefined,
    {},
    { ...Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])), ...extra },
  );

describe("the yc-credentials action", () => {
  it("exports YC_TOKEN and a job-long state key, all masked, and the post step deletes the key", async () => {
    const result = await runAction(action, work, work, undefined, { "service-account-id": ACCOUNT }, env());
    expect(result.code, result.stdout).toBe(0);
    expect(result.exported.YC_TOKEN).toBe(oidc.iamToken);
    const [[id, key]] = [...iam.keys.entries()];
    expect(key).toMatchObject({
      serviceAccountId: ACCOUNT,
      description: "state backend for acme/models run 42",
    });
    expect(result.exported.AWS_ACCESS_KEY_ID).toBe(key!.keyId);
    expect(result.exported.AWS_SECRET_ACCESS_KEY).toBe(`YCsecret-${id}`);
    expect(result.stdout).toContain(`::add-mask::${oidc.iamToken}`);
    expect(result.stdout).toContain(`::add-mask::YCsecret-${id}`);
    expect(result.stdout).not.toMatch(new RegExp(`^(?!::add-mask::).*(${oidc.iamToken}|YCsecret-)`, "m"));
    expect(result.state["access-key-id"]).toBe(id);

    const cleanup = await postStep(result.state);
    expect(cleanup.code, cleanup.stdout).toBe(0);
    expect(cleanup.stdout).toContain(`deleted access key ${id}`);
    expect(iam.keys.size).toBe(0);
    expect(iam.deleted).toEqual([id]);
  });

  it("makes no key when state-keys is false, and its post step does nothing", async () => {
    const result = await runAction(
      action,
      work,
      work,
      undefined,
      { "service-account-id": ACCOUNT, "state-keys": "false" },
      env(),
    );
    expect(result.code, result.stdout).toBe(0);
    expect(result.exported).toEqual({ YC_TOKEN: oidc.iamToken });
    expect(iam.keys.size).toBe(0);
    expect((await postStep(result.state)).stdout).toBe("");
  });

  it("fails clearly without id-token permission, for an untrusted account, bad input, or a refused key", async () => {
    const run = (inputs: Record<string, string>, extra: Record<string, string> = {}) =>
      runAction(action, work, work, undefined, inputs, env(extra));
    const noPermission = await run({ "service-account-id": ACCOUNT }, { ACTIONS_ID_TOKEN_REQUEST_URL: "" });
    expect(noPermission.code).toBe(1);
    expect(noPermission.stdout).toMatch(/::error::cannot get this job's OIDC token .*id-token: write/);
    const untrusted = await run({ "service-account-id": "ajeotheraccount00001" });
    expect(untrusted.stdout).toMatch(/::error::.*no federated credential links this subject/);
    expect((await run({ "service-account-id": "" })).stdout).toMatch(
      /::error::Input required and not supplied: service-account-id/,
    );
    expect((await run({ "service-account-id": "x; rm -rf /" })).stdout).toMatch(
      /is not a Yandex Cloud service account ID/,
    );
    expect((await run({ "service-account-id": ACCOUNT, "state-keys": "yes" })).stdout).toMatch(
      /::error::state-keys must be true or false, got "yes"/,
    );
    const refused = await run(
      { "service-account-id": ACCOUNT },
      { LOCKSTEP_YC_IAM_URL: `${iam.url}/nowhere` },
    );
    expect(refused.stdout).toMatch(
      /::error::cannot create an access key for ajeinfraterraform001: 404 Not Found/,
    );
    const unreachable = await run(
      { "service-account-id": ACCOUNT },
      { LOCKSTEP_YC_IAM_URL: "http://127.0.0.1:9" },
    );
    expect(unreachable.stdout).toMatch(
      /::error::cannot reach http:\/\/127.0.0.1:9\/iam\/aws-compatibility\/v1\/accessKeys/,
    );
    expect(iam.keys.size).toBe(0);
  });

  it("warns, naming the command, when the post step cannot delete the key", async () => {
    const gone = await postStep({
      "access-key-id": "ajemissing000000000",
      token: oidc.iamToken,
      "iam-url": iam.url,
    });
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(
      /::warning::cannot delete access key ajemissing000000000: 404 Access key ajemissing000000000 not found; delete it by hand: yc iam access-key delete ajemissing000000000/,
    );
    const hostile = await postStep({
      "access-key-id": "../../admin",
      token: oidc.iamToken,
      "iam-url": iam.url,
    });
    expect(hostile.stdout).toMatch(/::warning::"..\/..\/admin" is not an access key id/);
  });
});
