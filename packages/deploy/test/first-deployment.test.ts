/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped */
// Literal checks of what a first deployment failed on (issue 36): the canary analysis's limits and
// delay, the Redis cache's wiring, and the refusal of an analysis that an empty run would pass.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { models } from "@lockstep/models";
import { renderManifests, validateDeployConfig } from "../src/index.js";
import { committedConfig, committedLock, configWith } from "./fixtures.js";

const { files } = renderManifests(committedLock(), committedConfig());
const at = (path: string) => parse(files.get(path)!);

describe("the first deployment's objects", () => {
  it("every analysis metric: inconclusiveLimit 1 of count 5, the first measurement after a whole 2m window", () => {
    for (const model of ["co2-forecast", "btc-signal", "fish-classifier"]) {
      const template = at(`argocd/envs/staging/${model}/analysistemplate.yaml`);
      for (const metric of template.spec.metrics)
        expect(
          [metric.count, metric.inconclusiveLimit, metric.failureLimit, metric.initialDelay, metric.interval],
          `${model} ${metric.name}`,
        ).toEqual([5, 1, 1, "2m", "1m"]);
    }
  });

  it("refuses an inconclusiveLimit at or above count: an analysis that measured nothing would pass", () => {
    const config = validateDeployConfig(
      configWith(
        (c) => (c.defaults = { ...c.defaults, canary: { analysis: { count: 3, inconclusiveLimit: 3 } } }),
      ),
      Object.keys(models),
    );
    expect(() => renderManifests(committedLock(), config)).toThrow(
      /inconclusiveLimit 3 must be below count 3, or a canary with no traffic would be promoted unchecked/,
    );
  });

  it("with a cache, the servers read REDIS_URL from its Secret and may reach Redis over TLS; without, neither", () => {
    const container = at("argocd/envs/staging/co2-forecast/rollout.yaml").spec.template.spec.containers[0];
    expect(container.env).toContainEqual({
      name: "REDIS_URL",
      valueFrom: { secretKeyRef: { name: "lockstep-redis", key: "url" } },
    });
    const ports = (f: Map<string, string>) =>
      parse(f.get("argocd/envs/staging/co2-forecast/networkpolicy.yaml")!).spec.egress[1].ports.map(
        (p: any) => p.port,
      );
    expect(ports(files)).toContain(6380);
    const config = validateDeployConfig(
      configWith((c) => delete c.environments.staging.cache),
      Object.keys(models),
    );
    const bare = renderManifests(committedLock(), config).files;
    const plain = parse(bare.get("argocd/envs/staging/co2-forecast/rollout.yaml")!).spec.template.spec
      .containers[0];
    expect(plain.env.map((e: any) => e.name)).not.toContain("REDIS_URL");
    expect(ports(bare)).not.toContain(6380);
  });
});
