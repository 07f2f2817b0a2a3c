import type { Construct } from "constructs";
import { YandexResource, type One } from "./base.js";

type Labels = Record<string, string>;

export class VpcNetwork extends YandexResource<{ name: string; description?: string; labels?: Labels }> {
  constructor(scope: Construct, id: string, config: VpcNetwork["config"]) {
    super(scope, id, "yandex_vpc_network", config);
  }
}

export interface VpcSubnetConfig {
  name: string;
  network_id: string;
  zone: string;
  v4_cidr_blocks: string[];
  route_table_id?: string;
  labels?: Labels;
}

export class VpcSubnet extends YandexResource<VpcSubnetConfig> {
  constructor(scope: Construct, id: string, config: VpcSubnetConfig) {
    super(scope, id, "yandex_vpc_subnet", config);
  }
}

/** A NAT gateway shared by the folder: nodes without public addresses reach the internet through it. */
export class VpcGateway extends YandexResource<{
  name: string;
  shared_egress_gateway: One<Record<string, never>>;
}> {
  constructor(scope: Construct, id: string, config: VpcGateway["config"]) {
    super(scope, id, "yandex_vpc_gateway", config);
  }
}

export interface VpcRouteTableConfig {
  name: string;
  network_id: string;
  static_route: { destination_prefix: string; gateway_id: string }[];
}

export class VpcRouteTable extends YandexResource<VpcRouteTableConfig> {
  constructor(scope: Construct, id: string, config: VpcRouteTableConfig) {
    super(scope, id, "yandex_vpc_route_table", config);
  }
}

export interface SecurityRule {
  description: string;
  protocol: "TCP" | "UDP" | "ICMP" | "ANY";
  port?: number;
  from_port?: number;
  to_port?: number;
  v4_cidr_blocks?: string[];
  security_group_id?: string;
  predefined_target?: "self_security_group" | "loadbalancer_healthchecks";
}

export interface VpcSecurityGroupConfig {
  name: string;
  network_id: string;
  description?: string;
  ingress: SecurityRule[];
  egress: SecurityRule[];
}

export class VpcSecurityGroup extends YandexResource<VpcSecurityGroupConfig> {
  constructor(scope: Construct, id: string, config: VpcSecurityGroupConfig) {
    super(scope, id, "yandex_vpc_security_group", config);
  }
}
