/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized JSON is read back untyped, as a reviewer reads it */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { beforeAll, describe, expect, it } from "vitest";
import { checkObject, checkStack } from "./schema-check.js";
import { terraformFor } from "./terraform.js";
import { ROOT, resources, schema, synthAll, type StackName, type SynthResult } from "./synth.js";

let result: SynthResult;
beforeAll(() => {
  result = synthAll();
});
const STACKS: StackName[] = ["network", "storage", "registry", "identity", "cluster", "cache", "platform"];

describe("synthesized stacks", () => {
  it("writes every stack offline, each pinned to provider 0.177.0 with its state in Object Storage", () => {
    expect(Object.keys(result.json)).toEqual(STACKS);
    for (const name of STACKS) {
      const { terraform } = result.json[name] as any;
      expect(terraform.required_providers.yandex).toEqual({
        source: "yandex-cloud/yandex",
        version: "0.177.0",
      });
      expect(terraform.backend.s3).toEqual({
        bucket: "lockstep-terraform-state",
        key: `lockstep/${name}.tfstate`,
        region: "ru-central1",
        endpoints: { s3: "https://storage.yandexcloud.net" },
        skip_credentials_validation: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
        skip_requesting_account_id: true,
        skip_s3_checksum: true,
        use_lockfile: true,
      });
    }
    const local = synthAll(undefined, "local");
    expect((local.json.storage as any).terraform.backend).toEqual({
      local: { path: "terraform.storage.tfstate" },
    });
  });

  it("passes the provider's schema: every attribute and block exists, required ones are set, types and nesting match", () => {
    const provider = schema();
    for (const name of STACKS) expect(checkStack(result.json[name], provider), name).toEqual([]);
    const checked = new Set(
      STACKS.flatMap((n) => Object.keys(result.json[n].resource ?? {})).filter((t) =>
        t.startsWith("yandex_"),
      ),
    );
    expect(checked.size).toBe(24);
  });

  it("has a schema check that fails on what the provider would refuse", () => {
    const { resource_schemas: r } = schema();
    const bucket = r.yandex_storage_bucket!.block;
    expect(checkObject({ bucket: "b", versioning: { enabled: true } }, bucket, "b")).toEqual([
      "b.versioning: a list block is written as an array",
    ]);
    expect(checkObject({ bucket: 1, acl_x: "private" }, bucket, "b")).toEqual([
      "b.acl_x: not in the schema",
      "b.bucket: expected string, got 1",
    ]);
    expect(checkObject({ bucket_domain_name: "x" }, bucket, "b")).toEqual([
      "b.bucket_domain_name: computed only, cannot be set",
    ]);
    expect(checkObject({ name: "x" }, r.yandex_vpc_subnet!.block, "s")).toEqual([
      "s.network_id: required, not set",
      "s.v4_cidr_blocks: required, not set",
    ]);
    const nodes = r.yandex_kubernetes_node_group!.block;
    expect(checkObject({ cluster_id: "c", scale_policy: [{}, {}] }, nodes, "n")).toEqual([
      "n.instance_template: at least 1 required",
      "n.scale_policy: at most 1, got 2",
    ]);
    const redis = r.yandex_mdb_redis_cluster_v2!.block;
    expect(checkObject({ hosts: { a: { zonee: "x" } } }, redis, "r")).toEqual(
      expect.arrayContaining(["r.hosts[0].zonee: not in the schema", "r.hosts[0].zone: required, not set"]),
    );
  });

  it("commits exactly the reference schema for the resources the reference holds", (context) => {
    const reference = join(ROOT, "..", "shared", "reference", "yandex-provider-schema.json");
    if (!existsSync(reference))
      return context.skip("../shared/reference is absent: the fixture is checked where it is present");
    const full = JSON.parse(readFileSync(reference, "utf8")).provider_schemas[
      "registry.terraform.io/yandex-cloud/yandex"
    ];
    const fixture = schema();
    // written from the provider's v0.177.0 docs (docs/resources/<type>.md), absent from the reference
    const fromDocs = [
      "yandex_container_repository",
      "yandex_vpc_gateway",
      "yandex_vpc_route_table",
      "yandex_iam_service_account_iam_member",
    ];
    for (const [type, spec] of Object.entries(fixture.resource_schemas)) {
      if (fromDocs.includes(type)) expect(full.resource_schemas[type], type).toBeUndefined();
      else expect(spec, type).toEqual(full.resource_schemas[type]);
    }
    expect(fixture.provider).toEqual(full.provider);
  });

  it.each(STACKS)("matches its snapshot: %s", (name) => {
    expect(JSON.parse(result.text[name])).toMatchSnapshot();
  });
});

describe("the decisions that matter", () => {
  it("keeps both buckets private, versioned, KMS-encrypted, with non-current versions expiring", () => {
    const storage = result.text.storage;
    const buckets = resources(result, "yandex_storage_bucket");
    expect(buckets.map((b) => b.value.bucket).sort()).toEqual([
      "lockstep-artifacts",
      "lockstep-terraform-state",
    ]);
    for (const { value } of buckets)
      expect(value.anonymous_access_flags).toEqual([{ config_read: false, list: false, read: false }]);
    expect(
      Testing.toHaveResourceWithProperties(storage, "yandex_storage_bucket", {
        bucket: "lockstep-artifacts",
        versioning: [{ enabled: true }],
        anonymous_access_flags: [{ read: false, list: false, config_read: false }],
        server_side_encryption_configuration: [
          {
            rule: [
              {
                apply_server_side_encryption_by_default: [
                  { kms_master_key_id: "${yandex_kms_symmetric_key.key.id}", sse_algorithm: "aws:kms" },
                ],
              },
            ],
          },
        ],
      }),
    ).toBe(true);
    for (const { value } of resources(result, "yandex_storage_bucket")) {
      expect(value.lifecycle_rule[0].noncurrent_version_expiration[0].days).toBeGreaterThan(0);
      expect(value).not.toHaveProperty("acl");
      expect(value).not.toHaveProperty("policy");
    }
    expect(
      Testing.toHaveResourceWithProperties(storage, "yandex_kms_symmetric_key", {
        rotation_period: "8760h",
        deletion_protection: true,
      }),
    ).toBe(true);
    expect(
      Testing.toHaveResourceWithProperties(storage, "yandex_storage_bucket", {
        versioning: [{ enabled: false }],
      }),
    ).toBe(false);
  });

  it("autoscales a node group per zone, nodes without public addresses behind the NAT gateway", () => {
    const groups = resources(result, "yandex_kubernetes_node_group");
    expect(groups.map((g) => g.value.allocation_policy[0].location[0].zone)).toEqual([
      "ru-central1-a",
      "ru-central1-b",
      "ru-central1-d",
    ]);
    // the committed 1–4 nodes, split so that the groups add up to exactly that (cluster.test.ts)
    expect(groups.map((g) => g.value.scale_policy)).toEqual([
      [{ auto_scale: [{ min: 1, max: 2, initial: 1 }] }],
      [{ auto_scale: [{ min: 0, max: 1, initial: 0 }] }],
      [{ auto_scale: [{ min: 0, max: 1, initial: 0 }] }],
    ]);
    for (const { value } of groups) expect(value.instance_template[0].network_interface[0].nat).toBe(false);
    expect(resources(result, "yandex_vpc_gateway")).toHaveLength(1);
    const [routes] = resources(result, "yandex_vpc_route_table");
    expect(routes!.value.static_route).toEqual([
      { destination_prefix: "0.0.0.0/0", gateway_id: "${yandex_vpc_gateway.nat.id}" },
    ]);
    for (const { value } of resources(result, "yandex_vpc_subnet"))
      expect(value.route_table_id).toBe("${yandex_vpc_route_table.egress-routes.id}");
    const [cluster] = resources(result, "yandex_kubernetes_cluster");
    expect(cluster!.value.master[0].regional[0].location).toHaveLength(3);
    expect(cluster!.value.kms_provider[0].key_id).toMatch(
      /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-storage/,
    );
  });

  it("opens nothing to 0.0.0.0/0 but the ingress controller's node ports, which the Helm release pins", () => {
    const open = resources(result, "yandex_vpc_security_group").flatMap(({ value }) =>
      value.ingress
        .filter((rule: any) => (rule.v4_cidr_blocks ?? []).includes("0.0.0.0/0"))
        .map((rule: any) => `${value.name}:${rule.protocol}/${rule.port}`),
    );
    expect(open).toEqual(["lockstep-ingress:TCP/30080", "lockstep-ingress:TCP/30443"]);
    const controller = JSON.parse(
      (result.json.platform as any).resource.helm_release["ingress-nginx"].values[0],
    ).controller;
    expect(controller.service.nodePorts).toEqual({ http: 30080, https: 30443 });
    const [redis] = resources(result, "yandex_vpc_security_group").filter(
      (g) => g.value.name === "lockstep-redis",
    );
    expect(redis!.value.ingress.map((r: any) => [r.from_port, r.to_port])).toEqual([
      [6379, 6380],
      [6379, 6380],
    ]);
  });

  it("reads the Redis password from Lockbox, which generates it; TLS on, a host per zone", () => {
    const [redis] = resources(result, "yandex_mdb_redis_cluster_v2");
    expect(redis!.value.config.password).toBe(
      "${data.yandex_lockbox_secret_version.password-version.entries[0].text_value}",
    );
    expect(redis!.value.tls_enabled).toBe(true);
    expect(Object.keys(redis!.value.hosts)).toEqual(["ru-central1-a", "ru-central1-b", "ru-central1-d"]);
    const cache = result.json.cache as any;
    expect(cache.data.yandex_lockbox_secret_version["password-version"].secret_id).toBe(
      "${yandex_lockbox_secret.password.id}",
    );
    expect(cache.resource.yandex_lockbox_secret.password.password_payload_specification[0].length).toBe(32);
  });

  it("puts no secret in any synthesized file", () => {
    for (const name of STACKS) {
      const text = result.text[name];
      expect(text, name).not.toMatch(/"(secret_key|access_key|token|password|text_value)"\s*:\s*"(?!\$\{)/);
      expect(text, name).not.toMatch(/AQVN|YCAJ|YCM|-----BEGIN/); // Yandex key and token prefixes, PEM blocks
    }
    const provider = (result.json.platform as any).provider.helm[0].kubernetes;
    expect(provider.token).toBe("${data.yandex_client_config.client.iam_token}");
  });

  it("installs the platform at exact chart versions and roots Argo CD in argocd/bootstrap", () => {
    const releases = (result.json.platform as any).resource.helm_release;
    expect(
      Object.fromEntries(
        Object.entries(releases).map(([k, v]: [string, any]) => [k, `${v.namespace}/${v.version}`]),
      ),
    ).toEqual({
      "argo-cd": "argocd/7.7.11",
      "argo-rollouts": "argocd/2.38.0",
      "argocd-apps": "argocd/2.0.2",
      "ingress-nginx": "ingress-nginx/4.11.3",
      "kube-prometheus-stack": "monitoring/66.3.1",
      "kubernetes-replicator": "kubernetes-replicator/2.12.4",
      "prometheus-adapter": "monitoring/4.11.0",
    });
    const root = JSON.parse(releases["argocd-apps"].values[0]).applications["lockstep-root"];
    expect(root.source).toEqual({
      repoURL: "https://github.com/lockstep-dev/lockstep.git",
      targetRevision: "main",
      path: "argocd/bootstrap",
    });
    expect(existsSync(join(ROOT, root.source.path, "kustomization.yaml"))).toBe(true);
    const adapter = JSON.parse(releases["prometheus-adapter"].values[0]);
    expect(adapter.rules.custom[0].name.as).toBe("lockstep_http_requests_in_flight");
  });

  it("outputs exactly the repository variables docs/github.md and docs/infra.md ask for", () => {
    const outputs = Object.fromEntries(
      STACKS.map((n) => [
        n,
        Object.keys((result.json[n] as any).output ?? {}).filter((o) => !o.startsWith("cross-stack-output")),
      ]),
    );
    expect(outputs).toEqual({
      network: [],
      storage: ["LOCKSTEP_S3_ENDPOINT", "LOCKSTEP_S3_REGION", "LOCKSTEP_STORE"],
      registry: ["LOCKSTEP_IMAGE_REPOSITORY", "registry_id"],
      identity: [
        "LOCKSTEP_YC_INFRA_PLAN_SERVICE_ACCOUNT_ID",
        "LOCKSTEP_YC_INFRA_SERVICE_ACCOUNT_ID",
        "LOCKSTEP_YC_MONITOR_SERVICE_ACCOUNT_ID",
        "LOCKSTEP_YC_REGISTRY_SERVICE_ACCOUNT_ID",
        "LOCKSTEP_YC_TRAIN_SERVICE_ACCOUNT_ID",
        "LOCKSTEP_YC_VERIFY_SERVICE_ACCOUNT_ID",
        "federation_id",
        "inference_service_account_id",
        "preview_store_key_secret_id",
        "report_store_key_secret_id",
        "store_key_secret_id",
      ],
      cluster: ["cluster_id"],
      cache: ["redis_cluster_id", "redis_password_secret_id"],
      platform: [],
    });
    for (const doc of ["github.md", "infra.md"]) {
      const text = readFileSync(join(ROOT, "docs", doc), "utf8");
      for (const variable of Object.values(outputs)
        .flat()
        .filter((o) => o.startsWith("LOCKSTEP_")))
        expect(text, `docs/${doc}: ${variable}`).toContain(variable);
    }
    const workflows = ["train.yml", "verify-models.yml", "release.yml", "monitor.yml", "infra.yml"]
      .map((w) => readFileSync(join(ROOT, ".github", "workflows", w), "utf8"))
      .join("\n");
    for (const variable of [
      "LOCKSTEP_STORE",
      "LOCKSTEP_YC_TRAIN_SERVICE_ACCOUNT_ID",
      "LOCKSTEP_YC_VERIFY_SERVICE_ACCOUNT_ID",
      "LOCKSTEP_YC_MONITOR_SERVICE_ACCOUNT_ID",
      "LOCKSTEP_YC_REGISTRY_SERVICE_ACCOUNT_ID",
      "LOCKSTEP_YC_INFRA_PLAN_SERVICE_ACCOUNT_ID",
      "LOCKSTEP_YC_INFRA_SERVICE_ACCOUNT_ID",
      "LOCKSTEP_IMAGE_REPOSITORY",
    ])
      expect(workflows, variable).toContain(`vars.${variable}`);
  });

  it("is valid Terraform (skipped where terraform or the providers are missing, never under CI=true)", (context) => {
    const need = terraformFor("terraform validate of every stack");
    if (!need.run) return context.skip(need.reason);
    // one download of each provider for the seven stacks where init fetches them (CI)
    const plugins = process.env.TF_PLUGIN_CACHE_DIR ?? mkdtempSync(join(tmpdir(), "lockstep-tf-plugins-"));
    const env = { ...process.env, TF_PLUGIN_CACHE_DIR: plugins };
    for (const name of STACKS) {
      const dir = mkdtempSync(join(tmpdir(), `lockstep-tf-${name}-`));
      try {
        writeFileSync(join(dir, "cdk.tf.json"), result.text[name]);
        const init = spawnSync("terraform", ["init", "-backend=false", "-input=false"], {
          cwd: dir,
          encoding: "utf8",
          env,
        });
        expect(init.status, `${name}: ${init.stderr}`).toBe(0);
        const validate = spawnSync("terraform", ["validate", "-no-color"], {
          cwd: dir,
          encoding: "utf8",
          env,
        });
        expect(validate.status, `${name}: ${validate.stdout}${validate.stderr}`).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
