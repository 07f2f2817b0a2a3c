import type { Construct } from "constructs";
import type { Zone } from "../config.js";
import type { ServiceAccount } from "../constructs/service-account.js";
import { DataLockboxSecretVersion, LockboxSecret, LockboxSecretIamMember } from "../yandex/lockbox.js";
import { RedisCluster } from "../yandex/redis.js";
import type { KmsSymmetricKey } from "../yandex/storage.js";
import type { VpcNetwork, VpcSecurityGroup, VpcSubnet } from "../yandex/vpc.js";
import { LockstepStack, type StackOptions } from "./base.js";
import { output } from "./outputs.js";

export interface CacheProps {
  network: VpcNetwork;
  subnets: Partial<Record<Zone, VpcSubnet>>;
  redisGroup: VpcSecurityGroup;
  key: KmsSymmetricKey;
  /** infra.yml's read-only plan account: this stack's plan reads the password's current version. */
  planAccount: ServiceAccount;
}

/**
 * Managed Redis (Valkey) for the response cache, a host per zone, TLS on. Its password is generated
 * by Lockbox, so it is in no code, config or synthesized file; but Terraform must send it to the
 * cluster (`config.password` is required, and provider 0.177.0 has no write-only form), so it is in
 * this stack's state (the secret version read, and the cluster's config) and in every plan file of
 * it, marked sensitive: a plan shows "(sensitive value)", the state and a saved plan hold the value.
 */
export class CacheStack extends LockstepStack {
  readonly redis: RedisCluster;
  readonly password: LockboxSecret;

  constructor(scope: Construct, options: StackOptions, props: CacheProps) {
    super(scope, "cache", options);
    const { cache, folderId } = this.config;
    this.password = new LockboxSecret(this, "password", {
      name: this.named("redis-password"),
      folder_id: folderId,
      description: "the response cache's password (the lockstep-redis Secret's url, REDIS_URL in the pods)",
      kms_key_id: props.key.id,
      deletion_protection: true,
      password_payload_specification: [{ password_key: "password", length: 32, include_punctuation: false }],
    });
    // the plan reads the payload (the data source below): lockbox.payloadViewer on this secret
    // alone (the secret is encrypted with the storage key, which the plan account may decrypt)
    new LockboxSecretIamMember(this, "password-plan-reader", {
      secret_id: this.password.id,
      role: "lockbox.payloadViewer",
      member: props.planAccount.member,
    });
    const current = new DataLockboxSecretVersion(this, "password-version", { secret_id: this.password.id });
    const zones = (Object.keys(props.subnets) as Zone[]).sort();
    this.redis = new RedisCluster(this, "redis", {
      name: this.named("cache"),
      folder_id: folderId,
      environment: "PRODUCTION",
      network_id: props.network.id,
      security_group_ids: [props.redisGroup.id],
      tls_enabled: true,
      deletion_protection: false, // a cache: losing it costs only recomputation
      persistence_mode: "OFF",
      config: {
        password: current.firstValue,
        version: cache.version ?? "7.2-valkey",
        maxmemory_policy: "ALLKEYS_LRU",
      },
      resources: { resource_preset_id: cache.preset, disk_size: cache.diskGb, disk_type_id: "network-ssd" },
      hosts: Object.fromEntries(zones.map((zone) => [zone, { zone, subnet_id: props.subnets[zone]!.id }])),
      maintenance_window: { type: "WEEKLY", day: "SUN", hour: 4 },
    });
    output(this, "redis_cluster_id", this.redis.id, "the response cache");
    output(this, "redis_password_secret_id", this.password.id, "Lockbox secret with the cache's password");
  }
}
