import type { Construct } from "constructs";
import type { Zone } from "../config.js";
import type { ServiceAccount } from "../constructs/service-account.js";
import { KubernetesCluster, KubernetesNodeGroup } from "../yandex/kubernetes.js";
import type { KmsSymmetricKey } from "../yandex/storage.js";
import type { VpcNetwork, VpcSecurityGroup, VpcSubnet } from "../yandex/vpc.js";
import { LockstepStack, YANDEX_REGION, type StackOptions } from "./base.js";
import { output } from "./outputs.js";

export interface ClusterProps {
  network: VpcNetwork;
  subnets: Partial<Record<Zone, VpcSubnet>>;
  clusterGroup: VpcSecurityGroup;
  apiGroup: VpcSecurityGroup;
  ingressGroup: VpcSecurityGroup;
  clusterAccount: ServiceAccount;
  nodeAccount: ServiceAccount;
  key: KmsSymmetricKey;
}

/**
 * The config's node bounds split over the zones so that the groups add up to exactly them: each
 * zone gets the quotient, the first zones one more each for the remainder (min 1, max 4 over three
 * zones: a 1–2, b 0–1, d 0–1). Yandex autoscales a group within one zone, hence a group per zone.
 */
export function zoneBounds<Z extends string>(
  min: number,
  max: number,
  zones: readonly Z[],
): Record<Z, { min: number; max: number }> {
  const share = (total: number, i: number) =>
    Math.floor(total / zones.length) + (i < total % zones.length ? 1 : 0);
  return Object.fromEntries(
    zones.map((zone, i) => [zone, { min: share(min, i), max: share(max, i) }]),
  ) as Record<Z, { min: number; max: number }>;
}

/**
 * Managed Kubernetes with a regional master (one per zone) and one autoscaling node group per
 * zone that may hold a node (`zoneBounds`), nodes without public addresses by default.
 */
export class ClusterStack extends LockstepStack {
  readonly cluster: KubernetesCluster;
  readonly nodeGroups: KubernetesNodeGroup[];

  constructor(scope: Construct, options: StackOptions, props: ClusterProps) {
    super(scope, "cluster", options);
    const { cluster: settings, network, folderId } = this.config;
    const zones = (Object.keys(props.subnets) as Zone[]).sort();
    this.cluster = new KubernetesCluster(this, "cluster", {
      name: this.named("cluster"),
      folder_id: folderId,
      network_id: props.network.id,
      service_account_id: props.clusterAccount.id,
      node_service_account_id: props.nodeAccount.id,
      release_channel: settings.releaseChannel ?? "REGULAR",
      network_policy_provider: "CALICO",
      cluster_ipv4_range: network.clusterIpv4Range,
      service_ipv4_range: network.serviceIpv4Range,
      kms_provider: [{ key_id: props.key.id }],
      master: [
        {
          version: settings.version,
          public_ip: settings.publicApi ?? false,
          security_group_ids: [props.clusterGroup.id, props.apiGroup.id],
          regional: [
            {
              region: YANDEX_REGION,
              location: zones.map((zone) => ({ zone, subnet_id: props.subnets[zone]!.id })),
            },
          ],
          maintenance_policy: [
            {
              auto_upgrade: true,
              maintenance_window: [{ day: "sunday", start_time: "03:00", duration: "3h" }],
            },
          ],
          master_logging: [{ enabled: false, audit_enabled: false, events_enabled: false }],
        },
      ],
      workload_identity_federation: [{ enabled: true }],
    });
    const nodes = settings.nodes;
    const bounds = zoneBounds(nodes.min, nodes.max, zones);
    this.nodeGroups = zones
      .filter((zone) => bounds[zone].max > 0) // a group that could never hold a node is not made
      .map(
        (zone) =>
          new KubernetesNodeGroup(this, `nodes-${zone}`, {
            name: this.named(`nodes-${zone.slice(-1)}`),
            cluster_id: this.cluster.id,
            version: settings.version,
            node_labels: { "lockstep.dev/zone": zone },
            instance_template: [
              {
                platform_id: nodes.platform ?? "standard-v3",
                resources: [
                  { cores: nodes.cores, memory: nodes.memoryGb, core_fraction: nodes.coreFraction ?? 100 },
                ],
                boot_disk: [{ type: "network-ssd", size: nodes.diskGb ?? 64 }],
                network_interface: [
                  {
                    subnet_ids: [props.subnets[zone]!.id],
                    security_group_ids: [props.clusterGroup.id, props.ingressGroup.id],
                    nat: nodes.publicIp ?? false,
                  },
                ],
                scheduling_policy: [{ preemptible: nodes.preemptible ?? false }],
                container_runtime: [{ type: "containerd" }],
              },
            ],
            scale_policy: [{ auto_scale: [{ ...bounds[zone], initial: bounds[zone].min }] }],
            allocation_policy: [{ location: [{ zone }] }],
            maintenance_policy: [{ auto_upgrade: true, auto_repair: true }],
            deploy_policy: [{ max_expansion: 1, max_unavailable: 0 }],
          }),
      );
    output(
      this,
      "cluster_id",
      this.cluster.id,
      "the Managed Kubernetes cluster (yc managed-kubernetes cluster get-credentials)",
    );
  }

  /**
   * The API endpoint the Helm provider talks to: the public one when the master has a public
   * address (reached from `apiAllowedCidrs`), else the internal one (from inside the VPC).
   */
  get endpoint(): string {
    return this.cluster.attribute(
      this.config.cluster.publicApi ? "master[0].external_v4_endpoint" : "master[0].internal_v4_endpoint",
    );
  }

  get caCertificate(): string {
    return this.cluster.attribute("master[0].cluster_ca_certificate");
  }
}
