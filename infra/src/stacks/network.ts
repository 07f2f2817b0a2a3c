import type { Construct } from "constructs";
import type { Zone } from "../config.js";
import { VpcGateway, VpcNetwork, VpcRouteTable, VpcSecurityGroup, VpcSubnet } from "../yandex/vpc.js";
import { LockstepStack, type StackOptions } from "./base.js";

const EVERYWHERE = ["0.0.0.0/0"];

/**
 * The ingress controller's Service node ports. The network load balancer keeps the client's address
 * and forwards 80/443 to these on the nodes, so these two are what the internet reaches.
 */
export const INGRESS_NODE_PORTS = { http: 30080, https: 30443 } as const;

/** The VPC: a subnet per zone, NAT egress for private nodes, and the security groups the rest uses. */
export class NetworkStack extends LockstepStack {
  readonly network: VpcNetwork;
  readonly subnets: Partial<Record<Zone, VpcSubnet>>;
  /** Master and nodes: each other, pods and services, health checks; egress anywhere. */
  readonly clusterGroup: VpcSecurityGroup;
  /** The Kubernetes API: 443 and 6443 (Yandex docs) from the VPC and `apiAllowedCidrs` only. */
  readonly apiGroup: VpcSecurityGroup;
  /** The ingress controller's node ports (behind the load balancer's 80 and 443): the only ports open to the internet. */
  readonly ingressGroup: VpcSecurityGroup;
  /** Redis: 6379/6380 from the cluster only. */
  readonly redisGroup: VpcSecurityGroup;

  constructor(scope: Construct, options: StackOptions) {
    super(scope, "network", options);
    const { network: net, cluster } = this.config;
    this.network = new VpcNetwork(this, "network", { name: this.named("network") });
    const privateNodes = !cluster.nodes.publicIp;
    const routes = privateNodes
      ? new VpcRouteTable(this, "egress-routes", {
          name: this.named("egress"),
          network_id: this.network.id,
          static_route: [
            {
              destination_prefix: "0.0.0.0/0",
              gateway_id: new VpcGateway(this, "nat", {
                name: this.named("nat"),
                shared_egress_gateway: [{}],
              }).id,
            },
          ],
        })
      : undefined;
    this.subnets = {};
    const zones = Object.keys(net.subnets).sort() as Zone[];
    for (const zone of zones) {
      this.subnets[zone] = new VpcSubnet(this, `subnet-${zone}`, {
        name: this.named(zone),
        network_id: this.network.id,
        zone,
        v4_cidr_blocks: [net.subnets[zone]!],
        ...(routes ? { route_table_id: routes.id } : {}),
      });
    }
    const vpc = zones.map((z) => net.subnets[z]!);
    this.clusterGroup = new VpcSecurityGroup(this, "cluster", {
      name: this.named("cluster"),
      network_id: this.network.id,
      description: "Kubernetes master and nodes",
      ingress: [
        {
          description: "master and nodes",
          protocol: "ANY",
          from_port: 0,
          to_port: 65535,
          predefined_target: "self_security_group",
        },
        {
          description: "load balancer health checks",
          protocol: "TCP",
          from_port: 0,
          to_port: 65535,
          predefined_target: "loadbalancer_healthchecks",
        },
        {
          description: "pods and services",
          protocol: "ANY",
          from_port: 0,
          to_port: 65535,
          v4_cidr_blocks: [net.clusterIpv4Range, net.serviceIpv4Range],
        },
        { description: "ICMP inside the VPC", protocol: "ICMP", v4_cidr_blocks: vpc },
      ],
      egress: [
        {
          description: "images, the store, the Yandex APIs",
          protocol: "ANY",
          from_port: 0,
          to_port: 65535,
          v4_cidr_blocks: EVERYWHERE,
        },
      ],
    });
    // the VPC (nodes, an in-VPC runner) and whoever the config lists (the platform stack's Helm, kubectl)
    const api = [...vpc, ...(net.apiAllowedCidrs ?? []).filter((c) => !vpc.includes(c))];
    this.apiGroup = new VpcSecurityGroup(this, "api", {
      name: this.named("api"),
      network_id: this.network.id,
      description: "Kubernetes API",
      ingress: [
        { description: "API", protocol: "TCP", port: 443, v4_cidr_blocks: api },
        { description: "API", protocol: "TCP", port: 6443, v4_cidr_blocks: api },
      ],
      egress: [],
    });
    this.ingressGroup = new VpcSecurityGroup(this, "ingress", {
      name: this.named("ingress"),
      network_id: this.network.id,
      description: "the ingress controller",
      ingress: [
        {
          description: "HTTP (load balancer port 80)",
          protocol: "TCP",
          port: INGRESS_NODE_PORTS.http,
          v4_cidr_blocks: EVERYWHERE,
        },
        {
          description: "HTTPS (load balancer port 443)",
          protocol: "TCP",
          port: INGRESS_NODE_PORTS.https,
          v4_cidr_blocks: EVERYWHERE,
        },
      ],
      egress: [],
    });
    this.redisGroup = new VpcSecurityGroup(this, "redis", {
      name: this.named("redis"),
      network_id: this.network.id,
      description: "the response cache",
      ingress: [
        {
          description: "Redis from nodes",
          protocol: "TCP",
          from_port: 6379,
          to_port: 6380,
          security_group_id: this.clusterGroup.id,
        },
        {
          description: "Redis from pods",
          protocol: "TCP",
          from_port: 6379,
          to_port: 6380,
          v4_cidr_blocks: [net.clusterIpv4Range],
        },
      ],
      egress: [],
    });
  }
}
