import { beforeAll, describe, expect, it } from "vitest";
import { resources, synthAll, type SynthResult } from "./synth.js";

let result: SynthResult;
beforeAll(() => {
  result = synthAll();
});

const PRIMITIVE = new Set(["admin", "editor", "viewer", "resource-manager.clouds.owner"]);

/** Each account's roles as `role@resource kind`, read from every binding and member synthesized. */
function rolesByAccount(): Record<string, string[]> {
  const accounts = new Map<string, string>(); // "${...account_XXXX.id}" reference → account name
  for (const { value } of resources(result, "yandex_iam_service_account"))
    accounts.set(value.name, value.name);
  const byRef = (member: string): string => {
    // a member is serviceAccount:${yandex_iam_service_account.<component>_account_<hash>.id}
    const match = /yandex_iam_service_account\.([a-z]+)_account_/.exec(member);
    if (!match) throw new Error(`member ${member} is not one of the stack's service accounts`);
    return `lockstep-${match[1]}`;
  };
  const out: Record<string, string[]> = {};
  const add = (member: string, role: string, on: string) => (out[byRef(member)] ??= []).push(`${role}@${on}`);
  for (const [type, on] of [
    ["yandex_storage_bucket_iam_binding", "bucket"],
    ["yandex_container_registry_iam_binding", "registry"],
  ] as const)
    for (const { value } of resources(result, type)) for (const m of value.members) add(m, value.role, on);
  for (const [type, on] of [
    ["yandex_kms_symmetric_key_iam_member", "kms-key"],
    ["yandex_resourcemanager_folder_iam_member", "folder"],
  ] as const)
    for (const { value } of resources(result, type)) add(value.member, value.role, on);
  for (const roles of Object.values(out)) roles.sort();
  expect([...accounts.keys()].sort()).toEqual(Object.keys(out).sort());
  return out;
}

describe("identity", () => {
  it("gives no service account a primitive role", () => {
    for (const [account, roles] of Object.entries(rolesByAccount()))
      for (const role of roles) expect(PRIMITIVE.has(role.split("@")[0]!), `${account}: ${role}`).toBe(false);
  });

  it("gives each service account exactly its documented roles, each on its resource", () => {
    expect(rolesByAccount()).toEqual({
      "lockstep-cluster": [
        "k8s.clusters.agent@folder",
        "kms.keys.encrypterDecrypter@kms-key",
        "vpc.publicAdmin@folder",
      ],
      "lockstep-inference": ["kms.keys.decrypter@kms-key", "storage.viewer@bucket"],
      "lockstep-nodes": ["container-registry.images.puller@registry"],
      "lockstep-release": ["container-registry.images.pusher@registry"],
      "lockstep-trainer": [
        "kms.keys.encrypterDecrypter@kms-key",
        "storage.uploader@bucket",
        "storage.viewer@bucket",
      ],
      "lockstep-verifier": ["kms.keys.decrypter@kms-key", "storage.viewer@bucket"],
    });
  });

  it("binds each (bucket, role) once, listing every account that holds it", () => {
    const bindings = resources(result, "yandex_storage_bucket_iam_binding").map((b) => [
      b.value.role,
      b.value.members.length,
    ]);
    expect(bindings).toEqual([
      ["storage.uploader", 1],
      ["storage.viewer", 3],
    ]);
  });

  it("federates GitHub Actions: train and release on main, verify on pull requests, no static key for CI", () => {
    const [federation] = resources(result, "yandex_iam_workload_identity_oidc_federation");
    expect(federation!.value).toMatchObject({
      issuer: "https://token.actions.githubusercontent.com",
      jwks_url: "https://token.actions.githubusercontent.com/.well-known/jwks",
      audiences: ["https://github.com/lockstep-dev"],
    });
    const credentials = resources(result, "yandex_iam_workload_identity_federated_credential").map((c) => [
      c.value.external_subject_id,
      /service_account\.([a-z]+)_account/.exec(c.value.service_account_id)![1],
    ]);
    expect(credentials.sort()).toEqual([
      ["repo:lockstep-dev/lockstep:pull_request", "verifier"],
      ["repo:lockstep-dev/lockstep:ref:refs/heads/main", "release"],
      ["repo:lockstep-dev/lockstep:ref:refs/heads/main", "trainer"],
    ]);
    // the one static key is the inference pods', written to Lockbox and never to the state
    const keys = resources(result, "yandex_iam_service_account_static_access_key");
    expect(keys).toHaveLength(1);
    expect(keys[0]!.value.service_account_id).toMatch(/inference_account/);
    expect(keys[0]!.value.output_to_lockbox[0]).toMatchObject({
      entry_for_access_key: "AWS_ACCESS_KEY_ID",
      entry_for_secret_key: "AWS_SECRET_ACCESS_KEY",
    });
  });
});
