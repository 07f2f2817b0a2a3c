import { beforeAll, describe, expect, it } from "vitest";
import { accountRoles } from "./roles.js";
import { resources, synthAll, type SynthResult } from "./synth.js";

let result: SynthResult;
beforeAll(() => {
  result = synthAll();
});

const PRIMITIVE = new Set(["admin", "editor", "viewer", "resource-manager.clouds.owner"]);
/** The only accounts a primitive role is documented for: infra apply administers, infra plan reads. */
const PRIMITIVE_HOLDERS: Record<string, string> = {
  "lockstep-infra": "admin",
  "lockstep-infra-plan": "viewer",
};

const rolesByAccount = () => {
  const roles = accountRoles(result);
  const accounts = resources(result, "yandex_iam_service_account").map(({ value }) => value.name as string);
  expect(accounts.sort()).toEqual(Object.keys(roles).sort());
  return roles;
};

describe("identity", () => {
  it("gives no service account a primitive role", () => {
    for (const [account, roles] of Object.entries(rolesByAccount()))
      for (const role of roles) {
        const name = role.split("@")[0]!;
        if (PRIMITIVE_HOLDERS[account] === name) continue;
        expect(PRIMITIVE.has(name), `${account}: ${role}`).toBe(false);
      }
  });

  it("gives each service account exactly its documented roles, each on its resource", () => {
    expect(rolesByAccount()).toEqual({
      // a public network load balancer (ingress-nginx's Service) needs load-balancer.admin beside
      // k8s.clusters.agent, its public address vpc.publicAdmin (Yandex docs: k8s.clusters.agent)
      "lockstep-cluster": [
        "k8s.clusters.agent@folder",
        "kms.keys.encrypterDecrypter@kms-key",
        "load-balancer.admin@folder",
        "vpc.publicAdmin@folder",
      ],
      "lockstep-inference": ["kms.keys.decrypter@kms-key", "storage.viewer@bucket"],
      "lockstep-infra": ["admin@folder"],
      // reads the SSE-KMS state (decrypter on the key that encrypts it) and the Redis password the
      // cache stack's plan reads from Lockbox; writes nothing (plans with -lock=false)
      "lockstep-infra-plan": [
        "iam.serviceAccounts.accessKeyAdmin@itself",
        "kms.keys.decrypter@kms-key",
        "lockbox.payloadViewer@lockbox-secret:redis-password",
        "storage.viewer@state-bucket",
        "viewer@folder",
      ],
      "lockstep-monitor": ["kms.keys.decrypter@kms-key", "storage.viewer@bucket"],
      "lockstep-nodes": ["container-registry.images.puller@registry"],
      "lockstep-preview": ["kms.keys.decrypter@kms-key", "storage.viewer@bucket"],
      "lockstep-release": ["container-registry.images.pusher@registry"],
      // the in-cluster monitor Jobs publish reports; the pods' own key stays read-only
      "lockstep-reporter": [
        "kms.keys.encrypterDecrypter@kms-key",
        "storage.uploader@bucket",
        "storage.viewer@bucket",
      ],
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
      ["storage.viewer", 1], // the state bucket: the plan account alone
      ["storage.uploader", 2], // the trainer and the monitor Jobs' reporter
      ["storage.viewer", 6],
    ]);
  });

  it("federates GitHub Actions: each workflow's subject at main to exactly one account; pull requests to none", () => {
    const [federation] = resources(result, "yandex_iam_workload_identity_oidc_federation");
    expect(federation!.value).toMatchObject({
      issuer: "https://token.actions.githubusercontent.com",
      jwks_url: "https://token.actions.githubusercontent.com/.well-known/jwks",
      audiences: ["https://github.com/lockstep-dev"],
    });
    const credentials = resources(result, "yandex_iam_workload_identity_federated_credential").map((c) => [
      c.value.external_subject_id,
      /service_account\.([a-z-]+)_account/.exec(c.value.service_account_id)![1],
    ]);
    const at = (context: string, workflow: string) =>
      `repo:lockstep-dev/lockstep:${context}:job_workflow_ref:lockstep-dev/lockstep/.github/workflows/${workflow}@refs/heads/main`;
    expect(credentials.sort()).toEqual(
      [
        [at("environment:infrastructure", "infra.yml"), "infra"],
        [at("environment:models-verify", "verify-models.yml"), "verifier"],
        [at("ref:refs/heads/main", "infra.yml"), "infra-plan"],
        [at("ref:refs/heads/main", "monitor.yml"), "monitor"],
        [at("ref:refs/heads/main", "release.yml"), "release"],
        [at("ref:refs/heads/main", "train.yml"), "trainer"],
      ].sort(),
    );
    // one subject, one account; no pull_request subject at all
    expect(new Set(credentials.map(([subject]) => subject)).size).toBe(credentials.length);
    expect(credentials.some(([subject]) => subject!.includes("pull_request"))).toBe(false);
    // the static keys are the pods' (environments', previews' and monitor Jobs', apart), written to Lockbox, never to the state
    const keys = resources(result, "yandex_iam_service_account_static_access_key");
    expect(
      keys.map((k) => /service_account\.([a-z-]+)_account/.exec(k.value.service_account_id)![1]).sort(),
    ).toEqual(["inference", "preview", "reporter"]);
    for (const key of keys)
      expect(key.value.output_to_lockbox[0]).toMatchObject({
        entry_for_access_key: "AWS_ACCESS_KEY_ID",
        entry_for_secret_key: "AWS_SECRET_ACCESS_KEY",
      });
  });
});
