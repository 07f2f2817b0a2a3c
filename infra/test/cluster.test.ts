import { beforeAll, describe, expect, it } from "vitest";
import { committedConfig, resources, synthAll, type SynthResult } from "./synth.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized JSON is read back untyped, as a reviewer reads it */

const groupsOf = (min: number, max: number) => {
  const config = committedConfig();
  Object.assign(config.cluster.nodes, { min, max });
  return resources(synthAll(config), "yandex_kubernetes_node_group").map(({ value }) => ({
    zone: value.allocation_policy[0].location[0].zone as string,
    ...(value.scale_policy[0].auto_scale[0] as { min: number; max: number; initial: number }),
  }));
};

describe("the node groups", () => {
  it.each([
    [1, 4],
    [3, 9],
    [2, 2],
    [0, 1],
    [1, 1],
    [4, 5],
    [7, 11],
  ])("add up to exactly the configured %i–%i nodes across the zones", (min, max) => {
    const groups = groupsOf(min, max);
    const sum = (key: "min" | "max" | "initial") => groups.reduce((n, g) => n + g[key], 0);
    expect(sum("min"), "min").toBe(min);
    expect(sum("max"), "max").toBe(max);
    expect(sum("initial"), "initial").toBe(min);
    for (const group of groups) {
      // a group that may never hold a node is not made at all
      expect(group.max, group.zone).toBeGreaterThanOrEqual(1);
      expect(group.min, group.zone).toBeLessThanOrEqual(group.max);
      expect(group.initial, group.zone).toBe(group.min);
    }
    // the remainder goes to the first zones: no zone holds two more than another
    const spread = (key: "min" | "max") =>
      Math.max(...groups.map((g) => g[key])) - Math.min(...groups.map((g) => g[key]));
    if (groups.length === 3) expect(spread("max")).toBeLessThanOrEqual(1);
  });

  it("splits the committed 1–4 as a 1–2, b 0–1, d 0–1", () => {
    expect(groupsOf(1, 4)).toEqual([
      { zone: "ru-central1-a", min: 1, max: 2, initial: 1 },
      { zone: "ru-central1-b", min: 0, max: 1, initial: 0 },
      { zone: "ru-central1-d", min: 0, max: 1, initial: 0 },
    ]);
    expect(groupsOf(2, 2).map((g) => g.zone)).toEqual(["ru-central1-a", "ru-central1-b"]);
  });
});

describe("the Kubernetes API", () => {
  const apiRules = (config = committedConfig()) => {
    const result = synthAll(config);
    const [api] = resources(result, "yandex_vpc_security_group").filter(
      (g) => g.value.name === "lockstep-api",
    );
    const host = (result.json.platform as any).provider.helm[0].kubernetes.host as string;
    return {
      rules: api!.value.ingress as any[],
      host,
      cluster: resources(result, "yandex_kubernetes_cluster")[0]!.value,
    };
  };
  const vpc = ["10.10.0.0/20", "10.10.16.0/20", "10.10.32.0/20"];

  it("admits the configured apiAllowedCidrs and the VPC on 443 and 6443, nothing else", () => {
    const config = committedConfig();
    config.network.apiAllowedCidrs = ["203.0.113.7/32", "198.51.100.0/28"];
    const { rules, host, cluster } = apiRules(config);
    expect(rules.map((r) => [r.protocol, r.port, r.v4_cidr_blocks])).toEqual([
      ["TCP", 443, [...vpc, "203.0.113.7/32", "198.51.100.0/28"]],
      ["TCP", 6443, [...vpc, "203.0.113.7/32", "198.51.100.0/28"]],
    ]);
    // the platform stack's Helm talks to the public endpoint the listed CIDRs reach
    expect(cluster.master[0].public_ip).toBe(true);
    expect(host).toMatch(/master0external_v4_endpoint}$/);
  });

  it("is reached from inside the VPC only when it has no public address", () => {
    const config = committedConfig();
    config.cluster.publicApi = false;
    delete config.network.apiAllowedCidrs;
    const { rules, host, cluster } = apiRules(config);
    expect(rules.map((r) => r.v4_cidr_blocks)).toEqual([vpc, vpc]);
    expect(cluster.master[0].public_ip).toBe(false);
    expect(host).toMatch(/master0internal_v4_endpoint}$/);
  });
});

describe("the decisions the snapshots alone held", () => {
  let result: SynthResult;
  let cluster: { value: any } | undefined;
  beforeAll(() => {
    result = synthAll();
    [cluster] = resources(result, "yandex_kubernetes_cluster");
  });

  it("enforces NetworkPolicies with Calico (the rendered default-deny policies rely on it)", () => {
    expect(cluster!.value.network_policy_provider).toBe("CALICO");
  });

  it("gives the master a public address, as the committed config asks (cluster.publicApi)", () => {
    expect(committedConfig().cluster.publicApi).toBe(true);
    expect(cluster!.value.master[0].public_ip).toBe(true);
  });

  it("runs Kubernetes 1.31 on the master and every node group, on the REGULAR channel", () => {
    expect(cluster!.value.master[0].version).toBe("1.31");
    expect(cluster!.value.release_channel).toBe("REGULAR");
    const groups = resources(result, "yandex_kubernetes_node_group");
    expect(groups.map((g) => g.value.version)).toEqual(groups.map(() => "1.31"));
  });

  it("leaves the Redis cache without deletion protection (a cache: losing it costs recomputation), its password secret with it", () => {
    const [redis] = resources(result, "yandex_mdb_redis_cluster_v2");
    expect(redis!.value.deletion_protection).toBe(false);
    expect(redis!.value.persistence_mode).toBe("OFF");
    const [secret] = resources(result, "yandex_lockbox_secret").filter(
      (s) => s.value.name === "lockstep-redis-password",
    );
    expect(secret!.value.deletion_protection).toBe(true);
  });
});
