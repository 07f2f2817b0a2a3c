/* eslint-disable @typescript-eslint/no-explicit-any -- configs are edited as plain JSON */
import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { InfraError } from "../src/errors.js";
import { bucketNameIssue, parseInfraConfig, validateInfraConfig } from "../src/config.js";
import { cidrRange } from "../src/cidr.js";
import { configText, deployConfig } from "./synth.js";

function issuesOf(edit: (c: any) => void): { pointer: string; message: string }[] {
  const config = JSON.parse(configText());
  edit(config);
  try {
    validateInfraConfig(config, "production.json");
  } catch (error) {
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).code).toBe("INFRA_CONFIG_INVALID");
    return [...(error as InfraError).issues];
  }
  throw new Error("accepted");
}

describe("the infrastructure config", () => {
  it("accepts the committed environment", () => {
    expect(parseInfraConfig(configText(), "production.json").name).toBe("lockstep");
  });

  it("refuses a config that fails its schema, naming each field", () => {
    expect(
      issuesOf((c) => {
        delete c.github;
        c.cluster.nodes.cores = "four";
        c.extra = 1;
        c.folderId = "not-a-folder";
      }),
    ).toEqual(
      expect.arrayContaining([
        { pointer: "/", message: 'missing required key "github"' },
        { pointer: "/", message: 'unknown key "extra"' },
        { pointer: "/cluster/nodes/cores", message: "must be integer" },
        { pointer: "/folderId", message: "expected the Yandex Cloud folder everything is made in" },
      ]),
    );
  });

  it("refuses an unknown zone and a regional cluster without three zones", () => {
    const issues = issuesOf((c) => {
      delete c.network.subnets["ru-central1-d"];
      c.network.subnets["ru-central1-c"] = "10.10.48.0/20";
    });
    expect(issues).toContainEqual({
      pointer: "/network/subnets/ru-central1-c",
      message: 'unknown zone "ru-central1-c" (zones: ru-central1-a, ru-central1-b, ru-central1-d)',
    });
    const two = issuesOf((c) => delete c.network.subnets["ru-central1-d"]);
    expect(two).toEqual([
      { pointer: "/network/subnets", message: expect.stringContaining("a regional master needs") },
    ]);
  });

  it("refuses overlapping, public and malformed CIDRs", () => {
    const issues = issuesOf((c) => {
      c.network.subnets["ru-central1-b"] = "10.10.8.0/21";
      c.network.serviceIpv4Range = "10.112.128.0/17";
      c.network.clusterIpv4Range = "8.8.0.0/16";
      c.network.subnets["ru-central1-d"] = "10.10.32.1/20";
      c.network.apiAllowedCidrs = ["0.0.0.0/0", "nope"];
    });
    expect(issues.map((i) => `${i.pointer}: ${i.message}`)).toEqual([
      "/network/subnets/ru-central1-b: 10.10.8.0/21 overlaps /network/subnets/ru-central1-a",
      '/network/subnets/ru-central1-d: "10.10.32.1/20" is not an IPv4 CIDR such as 10.10.0.0/20',
      "/network/clusterIpv4Range: 8.8.0.0/16 is not private (RFC 1918) address space",
      "/network/apiAllowedCidrs/0: the Kubernetes API is never open to the whole internet",
      '/network/apiAllowedCidrs/1: "nope" is not an IPv4 CIDR',
    ]);
    expect(issuesOf((c) => (c.network.serviceIpv4Range = "10.112.0.0/17"))).toEqual([
      { pointer: "/network/serviceIpv4Range", message: "10.112.0.0/17 overlaps /network/clusterIpv4Range" },
    ]);
  });

  it("requires apiAllowedCidrs when the Kubernetes API is public: where the platform stack is applied from", () => {
    const needed = {
      pointer: "/network/apiAllowedCidrs",
      message: expect.stringMatching(
        /^the Kubernetes API has a public address \(cluster\.publicApi\): list the CIDRs it is reached from .*or set cluster\.publicApi false and apply from a runner inside the VPC$/,
      ),
    };
    expect(issuesOf((c) => delete c.network.apiAllowedCidrs)).toEqual([needed]);
    expect(issuesOf((c) => (c.network.apiAllowedCidrs = []))).toEqual([needed]);
    // a private API is reached from inside the VPC only: nothing to list
    const text = JSON.parse(configText());
    delete text.network.apiAllowedCidrs;
    text.cluster.publicApi = false;
    expect(validateInfraConfig(text, "private.json").network.apiAllowedCidrs).toBeUndefined();
    // the error is typed, with its pointer, as every config error
    try {
      parseInfraConfig(
        JSON.stringify({ ...JSON.parse(configText()), network: { ...text.network } }),
        "x.json",
      );
      throw new Error("accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(InfraError);
      expect((error as InfraError).code).toBe("INFRA_CONFIG_INVALID");
      expect((error as InfraError).message).toContain(
        "/network/apiAllowedCidrs: the Kubernetes API has a public address",
      );
    }
  });

  it("refuses bucket names Object Storage would refuse, and one bucket for both uses", () => {
    for (const [name, problem] of [
      ["ab", "must be 3 to 63"],
      ["Lockstep", "may hold only"],
      ["-lockstep", "may hold only"],
      ["lock..step", "may not hold"],
      ["lock.-step", "may not hold"],
      ["192.168.1.1", "IP address"],
      ["x".repeat(64), "must be 3 to 63"],
    ] as const) {
      expect(bucketNameIssue(name), name).toContain(problem);
      expect(issuesOf((c) => (c.storage.artifactBucket = name))[0]!.pointer).toBe("/storage/artifactBucket");
    }
    expect(bucketNameIssue("lockstep-artifacts.v2")).toBeUndefined();
    expect(issuesOf((c) => (c.storage.stateBucket = c.storage.artifactBucket))).toEqual([
      { pointer: "/storage/stateBucket", message: "the state bucket must not be the artifact bucket" },
    ]);
  });

  it("refuses a missing or malformed GitHub repository and contradicting node bounds", () => {
    expect(issuesOf((c) => delete c.github.repository)).toEqual([
      { pointer: "/github", message: 'missing required key "repository"' },
    ]);
    expect(issuesOf((c) => (c.github.repository = "no-slash"))).toEqual([
      { pointer: "/github/repository", message: '"no-slash" is not owner/name' },
    ]);
    expect(issuesOf((c) => (c.github.repository = "a/b; rm -rf /"))[0]!.pointer).toBe("/github/repository");
    expect(issuesOf((c) => Object.assign(c.cluster.nodes, { min: 5, max: 2 }))).toEqual([
      { pointer: "/cluster/nodes/min", message: "min 5 is above max 2" },
    ]);
    expect(issuesOf((c) => (c.platform.charts["argo-cd"] = "^7.0.0"))).toEqual([
      { pointer: "/platform/charts/argo-cd", message: "expected an exact chart version: no ranges" },
    ]);
  });

  it("refuses malformed, oversized and hostile files", () => {
    const refusal = (text: string) => {
      try {
        parseInfraConfig(text, "x.json");
      } catch (error) {
        return `${(error as InfraError).code}: ${(error as Error).message}`;
      }
      return "accepted";
    };
    expect(refusal("{")).toMatch(/^INFRA_CONFIG_PARSE: x.json is not JSON/);
    expect(refusal("[]")).toMatch(/^INFRA_CONFIG_INVALID: .*\n {2}\/: must be object/);
    expect(refusal(" ".repeat(70 * 1024))).toMatch(/larger than 65536 bytes/);
    const hostile = JSON.parse(configText());
    const text = JSON.stringify(hostile).replace('"name":', '"__proto__": {"polluted": true}, "name":');
    expect(refusal(text)).toMatch(/unknown key "__proto__"/);
    expect(({} as any).polluted).toBeUndefined();
  });

  it("must name the bucket lockstep.deploy.json's environments read", () => {
    const config = parseInfraConfig(configText(), "production.json");
    config.storage.artifactBucket = "another-bucket";
    expect(() => buildApp({ config, deploy: deployConfig() })).toThrow(
      /\/storage\/artifactBucket: "another-bucket" is not the bucket lockstep.deploy.json's environments read \(lockstep-artifacts\)/,
    );
  });

  it("reads CIDRs as the network does", () => {
    expect(cidrRange("10.0.0.0/8")).toEqual([167772160, 184549375]);
    expect(cidrRange("10.0.0.0/33")).toBeUndefined();
    expect(cidrRange("256.0.0.0/8")).toBeUndefined();
    expect(cidrRange("10.0.0.0")).toBeUndefined();
  });
});
