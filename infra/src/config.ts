import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import { pointerSegment, schemaIssues, type SchemaIssue } from "@lockstep/lockfile";
import schema from "../schema/infra-config.schema.json" with { type: "json" };
import { cidrRange, isPrivate, overlaps } from "./cidr.js";
import { InfraError } from "./errors.js";

export const MAX_CONFIG_BYTES = 64 * 1024;

/** The zones of ru-central1 that take new resources (ru-central1-c is closed). */
export const ZONES = ["ru-central1-a", "ru-central1-b", "ru-central1-d"] as const;
export type Zone = (typeof ZONES)[number];

export type ChartName =
  | "argo-cd"
  | "argo-rollouts"
  | "argocd-apps"
  | "kube-prometheus-stack"
  | "prometheus-adapter"
  | "ingress-nginx"
  | "kubernetes-replicator";

export interface InfraConfig {
  name: string;
  folderId: string;
  github: { repository: string; branch?: string };
  network: {
    subnets: Partial<Record<Zone, string>>;
    clusterIpv4Range: string;
    serviceIpv4Range: string;
    /** Who reaches the Kubernetes API from outside the VPC (required when cluster.publicApi). */
    apiAllowedCidrs?: string[];
  };
  storage: {
    artifactBucket: string;
    stateBucket: string;
    maxSizeGb?: number;
    noncurrentVersionDays?: number;
  };
  registry: { name: string; repository?: string; keepTagged?: number; untaggedExpireHours?: number };
  cluster: {
    version: string;
    releaseChannel?: "RAPID" | "REGULAR" | "STABLE";
    /** A public address for the master; then network.apiAllowedCidrs must list who reaches it. */
    publicApi?: boolean;
    nodes: {
      platform?: string;
      cores: number;
      memoryGb: number;
      coreFraction?: 20 | 50 | 100;
      diskGb?: number;
      min: number;
      max: number;
      preemptible?: boolean;
      publicIp?: boolean;
    };
  };
  cache: { preset: string; diskGb: number; version?: string };
  /** kubernetes-replicator only with previews (it copies their store Secret into each namespace). */
  platform: {
    charts: Record<Exclude<ChartName, "kubernetes-replicator">, string> & {
      "kubernetes-replicator"?: string;
    };
  };
}

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
const check = ajv.compile<InfraConfig>(schema);

/** Object Storage's bucket rules: 3–63 of a-z 0-9 . -, starting and ending alnum, not an IP address. */
export function bucketNameIssue(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3 to 63 characters";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return "may hold only a-z, 0-9, '.' and '-', and start and end with a letter or digit";
  if (/\.\.|\.-|-\./.test(name)) return "may not hold '..', '.-' or '-.'";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "may not look like an IP address";
  return undefined;
}

const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** The rules a schema cannot state: zones, CIDRs that do not overlap, bucket names, the repository. */
function semanticIssues(config: InfraConfig): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const ranges: { pointer: string; range: [number, number] }[] = [];
  const cidr = (value: string, pointer: string) => {
    const range = cidrRange(value);
    if (!range)
      return issues.push({ pointer, message: `"${value}" is not an IPv4 CIDR such as 10.10.0.0/20` });
    if (!isPrivate(range))
      return issues.push({ pointer, message: `${value} is not private (RFC 1918) address space` });
    const clash = ranges.find((r) => overlaps(r.range, range));
    if (clash) issues.push({ pointer, message: `${value} overlaps ${clash.pointer}` });
    ranges.push({ pointer, range });
  };
  for (const [zone, value] of Object.entries(config.network.subnets)) {
    const pointer = `/network/subnets/${pointerSegment(zone)}`;
    if (!(ZONES as readonly string[]).includes(zone))
      issues.push({ pointer, message: `unknown zone "${zone}" (zones: ${ZONES.join(", ")})` });
    cidr(value!, pointer);
  }
  if (Object.keys(config.network.subnets).length !== ZONES.length)
    issues.push({
      pointer: "/network/subnets",
      message: `a regional master needs a subnet in each of ${ZONES.join(", ")}`,
    });
  cidr(config.network.clusterIpv4Range, "/network/clusterIpv4Range");
  cidr(config.network.serviceIpv4Range, "/network/serviceIpv4Range");
  // a public master admits only these (and the VPC): whoever applies the platform stack (Helm talks
  // to the API) or runs kubectl from outside the VPC must be listed, or there is no way in
  if ((config.cluster.publicApi ?? false) && (config.network.apiAllowedCidrs ?? []).length === 0)
    issues.push({
      pointer: "/network/apiAllowedCidrs",
      message:
        "the Kubernetes API has a public address (cluster.publicApi): list the CIDRs it is reached from " +
        "(where the platform stack is applied: an operator's or a runner's static egress address), " +
        "or set cluster.publicApi false and apply from a runner inside the VPC",
    });
  for (const [i, value] of (config.network.apiAllowedCidrs ?? []).entries()) {
    if (!cidrRange(value))
      issues.push({ pointer: `/network/apiAllowedCidrs/${i}`, message: `"${value}" is not an IPv4 CIDR` });
    else if (value.endsWith("/0"))
      issues.push({
        pointer: `/network/apiAllowedCidrs/${i}`,
        message: "the Kubernetes API is never open to the whole internet",
      });
  }
  for (const key of ["artifactBucket", "stateBucket"] as const) {
    const problem = bucketNameIssue(config.storage[key]);
    if (problem)
      issues.push({ pointer: `/storage/${key}`, message: `bucket name "${config.storage[key]}" ${problem}` });
  }
  if (config.storage.artifactBucket === config.storage.stateBucket)
    issues.push({
      pointer: "/storage/stateBucket",
      message: "the state bucket must not be the artifact bucket",
    });
  if (!GITHUB_REPOSITORY.test(config.github.repository))
    issues.push({
      pointer: "/github/repository",
      message: `"${config.github.repository}" is not owner/name`,
    });
  const { min, max } = config.cluster.nodes;
  if (min > max) issues.push({ pointer: "/cluster/nodes/min", message: `min ${min} is above max ${max}` });
  return issues;
}

/** Checks a parsed config; throws InfraError("INFRA_CONFIG_INVALID") naming every issue by pointer. */
export function validateInfraConfig(value: unknown, source: string): InfraConfig {
  const issues = check(value) ? semanticIssues(value) : schemaIssues(check.errors);
  if (issues.length > 0)
    throw new InfraError(
      "INFRA_CONFIG_INVALID",
      `${source} is not a valid infrastructure config:\n${issues.map((i) => `  ${i.pointer}: ${i.message}`).join("\n")}`,
      issues,
    );
  return value as InfraConfig;
}

export function parseInfraConfig(text: string, source: string): InfraConfig {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES)
    throw new InfraError("INFRA_CONFIG_INVALID", `${source} is larger than ${MAX_CONFIG_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InfraError("INFRA_CONFIG_PARSE", `${source} is not JSON: ${(error as Error).message}`);
  }
  return validateInfraConfig(value, source);
}

export async function readInfraConfig(path: string): Promise<InfraConfig> {
  const text = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new InfraError(
      error.code === "ENOENT" ? "INFRA_CONFIG_NOT_FOUND" : "INFRA_CONFIG_PARSE",
      error.code === "ENOENT"
        ? `there is no infrastructure config at ${path}`
        : `cannot read ${path}: ${error.code}`,
    );
  });
  if (text.byteLength > MAX_CONFIG_BYTES)
    throw new InfraError("INFRA_CONFIG_INVALID", `${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
  return parseInfraConfig(text.toString("utf8"), path);
}
