/* eslint-disable @typescript-eslint/no-explicit-any -- configs are edited as plain JSON, as a user edits the file */
import { describe, expect, it } from "vitest";
import { models } from "@lockstep/models";
import {
  DeployError,
  isDnsLabel,
  parseDeployConfig,
  quantityValue,
  renderManifests,
  validateDeployConfig,
} from "../src/index.js";
import { committedLock, configWith } from "./fixtures.js";

const known = Object.keys(models);

function issuesOf(value: unknown): { pointer: string; message: string }[] {
  try {
    validateDeployConfig(value, known);
  } catch (error) {
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).code).toBe("DEPLOY_CONFIG_INVALID");
    return [...(error as DeployError).issues];
  }
  throw new Error("the config was accepted");
}

describe("deployment config", () => {
  it("accepts the committed config", () => {
    expect(() =>
      validateDeployConfig(
        configWith(() => {}),
        known,
      ),
    ).not.toThrow();
  });

  it("refuses an unknown model with its pointer", () => {
    const issues = issuesOf(configWith((c) => (c.models["no-such-model"] = { settings: { replicas: 2 } })));
    expect(issues).toEqual([
      { pointer: "/models/no-such-model", message: expect.stringContaining('unknown model "no-such-model"') },
    ]);
  });

  it("refuses invalid quantities with their pointers", () => {
    const issues = issuesOf(
      configWith((c) => {
        c.defaults.resources = { requests: { cpu: "lots" }, limits: { memory: "-1Gi" } };
      }),
    );
    expect(issues.map((i) => i.pointer)).toEqual([
      "/defaults/resources/requests/cpu",
      "/defaults/resources/limits/memory",
    ]);
    expect(issues[0]!.message).toContain('"lots" is not a positive Kubernetes quantity');
  });

  it("refuses names that are not DNS-1123 labels", () => {
    const issues = issuesOf(
      configWith((c) => {
        c.environments.staging.namespace = "Lockstep_Staging";
        c.environments.staging.store.secretName = "a".repeat(64);
      }),
    );
    expect(issues.map((i) => i.pointer)).toEqual([
      "/environments/staging/namespace",
      "/environments/staging/store/secretName",
    ]);
    expect(issues[0]!.message).toContain("DNS-1123 label");
  });

  it("refuses environment names the schema does not allow, and two environments in one namespace", () => {
    expect(issuesOf(configWith((c) => (c.environments["Prod!"] = c.environments.production)))).toEqual([
      { pointer: "/environments/Prod!", message: 'invalid name "Prod!"' },
    ]);
    const shared = issuesOf(configWith((c) => (c.environments.production.namespace = "lockstep-staging")));
    expect(shared[0]).toEqual({
      pointer: "/environments/production/namespace",
      message: expect.stringContaining("also staging's"),
    });
  });

  it("names unknown keys, wrong types and missing keys by pointer", () => {
    const issues = issuesOf(
      configWith((c) => {
        c.defaults.replicaz = 3;
        c.defaults.hpa.minReplicas = "2";
        delete c.image.digest;
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { pointer: "/defaults", message: 'unknown key "replicaz"' },
        { pointer: "/defaults/hpa/minReplicas", message: "must be integer" },
        { pointer: "/image", message: 'missing required key "digest"' },
      ]),
    );
  });

  it("refuses floating image tags and store URIs a cluster cannot read", () => {
    const issues = issuesOf(
      configWith((c) => {
        c.image.digest = "latest";
        c.environments.staging.store.uri = "file://.lockstep/store";
      }),
    );
    expect(issues.map((i) => i.pointer).sort()).toEqual(["/environments/staging/store/uri", "/image/digest"]);
    expect(issues.find((i) => i.pointer === "/image/digest")!.message).toContain("sha256:<64 hex>");
  });

  it("refuses promotedFrom naming an unknown environment or the environment itself", () => {
    const issues = issuesOf(
      configWith((c) => {
        c.environments.production.promotedFrom = "qa";
        c.environments.staging.promotedFrom = "staging";
        c.environments.production.store.uri = "s3://lockstep-production/models";
      }),
    );
    expect(issues).toEqual([
      { pointer: "/environments/staging/promotedFrom", message: "staging cannot be promoted from itself" },
      {
        pointer: "/environments/production/promotedFrom",
        message: expect.stringContaining('unknown environment "qa"'),
      },
    ]);
  });

  it("refuses a config that lets an environment act as another, or a preview write it, with pointers", () => {
    const issues = issuesOf(
      configWith((c) => {
        c.environments.staging.store.endpoint = "http://storage.yandexcloud.net";
        c.cluster.prometheusAddress = "http://prometheus.example.com:9090";
        c.previews.store = { uri: "s3://lockstep-artifacts/models", endpoint: "http://evil.example.com" };
        c.environments.production.namespace = "lockstep-pr-7";
        c.environments.qa = {
          namespace: "argocd",
          host: "qa.example.com",
          store: { uri: "s3://lockstep-artifacts/models/qa", endpoint: "http://127.0.0.1:9000" },
        };
      }),
    );
    expect(issues).toEqual([
      {
        pointer: "/previews/store/endpoint",
        message: expect.stringContaining('"http://evil.example.com" is not HTTPS'),
      },
      {
        pointer: "/cluster/prometheusAddress",
        message: expect.stringContaining("neither a cluster Service"),
      },
      {
        pointer: "/environments/staging/store/endpoint",
        message: expect.stringContaining("http:// is for loopback only"),
      },
      {
        pointer: "/environments/production/namespace",
        message: expect.stringContaining("a preview's namespace"),
      },
      { pointer: "/environments/qa/namespace", message: '"argocd" is Argo CD\'s namespace' },
      {
        pointer: "/environments/qa/store/uri",
        message: expect.stringMatching(
          /shares keys with staging's store .* neither is promoted from the other/,
        ),
      },
      {
        pointer: "/environments/qa/store/uri",
        message: expect.stringMatching(/shares keys with production's store/),
      },
    ]);
    // loopback in the clear is fine (tests, a laptop); promotion-linked environments may share a store
    const loopback = configWith((c) => {
      c.environments.staging.store.endpoint = "http://127.0.0.1:9000";
      c.environments.production.store.endpoint = "http://localhost:9000";
    });
    expect(() => validateDeployConfig(loopback, known)).not.toThrow();
    expect(
      issuesOf(configWith((c) => delete c.environments.production.promotedFrom)).map((i) => i.pointer),
    ).toEqual(["/environments/production/store/uri"]);
  });

  it("refuses canary weights that do not increase and settings for unknown environments", () => {
    const issues = issuesOf(
      configWith((c) => {
        c.defaults.canary = { weights: [50, 10] };
        c.models["co2-forecast"] = { environments: { qa: { replicas: 1 } } };
      }),
    );
    expect(issues.map((i) => i.pointer)).toEqual([
      "/defaults/canary/weights",
      "/models/co2-forecast/environments/qa",
    ]);
  });

  it("refuses malformed, wrong-shape, oversized and hostile files", () => {
    const code = (text: string) => {
      try {
        parseDeployConfig(text, known);
        return "accepted";
      } catch (error) {
        return (error as DeployError).code;
      }
    };
    expect(code("{")).toBe("DEPLOY_CONFIG_PARSE");
    expect(code("[]")).toBe("DEPLOY_CONFIG_INVALID");
    expect(code("null")).toBe("DEPLOY_CONFIG_INVALID");
    expect(code(`{"x": "${"a".repeat(300 * 1024)}"}`)).toBe("DEPLOY_CONFIG_INVALID");
    const hostile = JSON.stringify(configWith(() => {})).replace(
      '"models":{',
      '"models":{"__proto__":{"settings":{}},',
    );
    expect(code(hostile)).toBe("DEPLOY_CONFIG_INVALID");
    expect(({} as Record<string, unknown>).settings).toBeUndefined();
    expect(code("[".repeat(100_000))).toBe("DEPLOY_CONFIG_PARSE");
  });

  it("refuses bounds that contradict each other when the settings meet", () => {
    const lock = committedLock();
    const config = (edit: (c: Record<string, any>) => void) => validateDeployConfig(configWith(edit), known);
    const render = (c: ReturnType<typeof config>) => () => renderManifests(lock, c);
    expect(
      render(
        config((c) => (c.models["co2-forecast"] = { settings: { hpa: { minReplicas: 5, maxReplicas: 3 } } })),
      ),
    ).toThrow(/co2-forecast\/environments\/staging\/hpa: maxReplicas 3 is below minReplicas 5/);
    expect(render(config((c) => (c.defaults.resources = { requests: { memory: "2Gi" } })))).toThrow(
      /memory limit .* is below the request 2Gi/,
    );
  });
});

describe("names and quantities", () => {
  it("checks DNS-1123 labels as the API server does", () => {
    expect(isDnsLabel("co2-forecast")).toBe(true);
    for (const bad of ["", "-a", "a-", "A", "a_b", "a.b", "a".repeat(64)])
      expect(isDnsLabel(bad)).toBe(false);
  });

  it("reads quantities in every suffix", () => {
    expect(quantityValue("250m")).toBe(0.25);
    expect(quantityValue("1")).toBe(1);
    expect(quantityValue("512Mi")).toBe(512 * 2 ** 20);
    expect(quantityValue("1.5Gi")).toBe(1.5 * 2 ** 30);
    expect(quantityValue("1e3")).toBe(1000);
    for (const bad of ["", "1 Gi", "Gi", "1GB", "1..5", "-1"]) expect(quantityValue(bad)).toBeUndefined();
  });
});
