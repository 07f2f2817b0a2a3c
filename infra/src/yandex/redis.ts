import type { Construct } from "constructs";
import { YandexResource } from "./base.js";

export interface RedisClusterConfig {
  name: string;
  folder_id: string;
  environment: "PRODUCTION" | "PRESTABLE";
  network_id: string;
  security_group_ids: string[];
  tls_enabled: boolean;
  deletion_protection: boolean;
  persistence_mode: "ON" | "OFF";
  config: {
    password: string;
    version: string;
    maxmemory_policy: string;
  };
  resources: { resource_preset_id: string; disk_size: number; disk_type_id: string };
  hosts: Record<string, { zone: string; subnet_id: string }>;
  maintenance_window: { type: "WEEKLY" | "ANYTIME"; day?: string; hour?: number };
}

/** Managed Redis (Valkey) in the provider's framework resource: nested attributes, hosts as a map. */
export class RedisCluster extends YandexResource<RedisClusterConfig> {
  constructor(scope: Construct, id: string, config: RedisClusterConfig) {
    super(scope, id, "yandex_mdb_redis_cluster_v2", config);
  }
}
