// The bootstrap walked over the rendered files: everything a rendered object needs is rendered,
// installed by a platform chart, run by the managed cluster, or made by a numbered step that
// docs/deploy.md shows exactly as generated.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  bootstrapPlan,
  bootstrapSteps,
  platformProvides,
  renderManifests,
  UNRELEASED_DIGEST,
  withStepsBlock,
} from "../src/index.js";
import { committedConfig, committedLock, ROOT } from "./fixtures.js";

const config = committedConfig();
const released = renderManifests(committedLock(), config).files;
const describeRequirement = (m: {
  requirement: { kind: string; namespace?: string; name: string };
  why: string;
}) => `${m.requirement.kind} ${m.requirement.namespace ?? ""}/${m.requirement.name}: ${m.why}`;

describe("the bootstrap", () => {
  it("leaves nothing a released render needs unprovided, and names who provides each", () => {
    const plan = bootstrapPlan(released, config);
    expect(plan.missing.map(describeRequirement)).toEqual([]);
    const by = (kind: string, namespace: string | undefined, name: string) =>
      plan.providedBy.get(`${kind}/${namespace ?? ""}/${name}`);
    // literal expectations: the ones a first deployment failed on
    expect(by("Secret", "lockstep-staging", "lockstep-clickhouse")).toMatch(/^step \d+$/);
    expect(by("Secret", "lockstep-staging", "lockstep-redis")).toMatch(/^step \d+$/);
    expect(by("Secret", "lockstep-staging", "lockstep-store")).toMatch(/^step \d+$/);
    expect(by("Secret", "lockstep-pr-[0-9]+", "lockstep-store-preview")).toBe(
      "platform: kubernetes-replicator",
    );
    expect(by("Secret", "ingress-nginx", "lockstep-preview-tls")).toMatch(/^step \d+$/);
    expect(by("Secret", "argocd", "argo-rollouts-notification-secret")).toMatch(/^step \d+$/);
    expect(by("CustomResourceDefinition", undefined, "rollouts.argoproj.io")).toBe("platform: argo-rollouts");
    expect(by("APIService", undefined, "v1beta1.custom.metrics.k8s.io")).toBe("platform: prometheus-adapter");
    expect(by("Namespace", undefined, "lockstep-staging")).toBe("rendered");
  });

  it("finds what nobody provides: an unknown Secret, a key no step writes (the check can fail)", () => {
    const files = new Map(released);
    const path = "argocd/envs/staging/co2-forecast/rollout.yaml";
    files.set(
      path,
      files
        .get(path)!
        .replace("name: lockstep-store", "name: lockstep-mystery")
        .replace(/key: url\n/, "key: password\n"),
    );
    const missing = bootstrapPlan(files, config).missing.map(describeRequirement);
    expect(missing).toContainEqual(
      expect.stringContaining("Secret lockstep-staging/lockstep-mystery: provided by no"),
    );
    expect(missing).toContainEqual(
      expect.stringMatching(
        /lockstep-staging\/lockstep-(clickhouse|redis): step \d+ creates it without password/,
      ),
    );
  });

  it("the held first sync needs no hand step; every step's namespace exists after it", () => {
    const held = structuredClone(config);
    held.image.digest = UNRELEASED_DIGEST;
    const plan = bootstrapPlan(renderManifests(committedLock(), held, { dryRun: true }).files, held);
    // objects of the held sync: the bootstrap and the namespace folders (no model Application exists)
    const synced = plan.requirements.filter((r) =>
      r.neededBy.some((p) => p.startsWith("argocd/bootstrap/") || p.includes("/namespace/")),
    );
    for (const r of synced.filter((r) => r.kind !== "Secret"))
      expect(plan.providedBy.get(`${r.kind}/${r.namespace ?? ""}/${r.name}`), `${r.kind} ${r.name}`).toMatch(
        /^(rendered|platform: .+|managed cluster)$/,
      );
    // what exists after it: the platform charts' namespaces and the rendered (synced) ones
    const namespaces = new Set([
      ...Object.values(platformProvides(held))
        .flat()
        .filter((p) => p.kind === "Namespace")
        .map((p) => p.name),
      ...[...plan.providedBy]
        .filter(([k, by]) => k.startsWith("Namespace/") && by === "rendered")
        .map(([k]) => k.split("/")[2]),
    ]);
    for (const step of plan.steps)
      for (const created of step.creates) expect(namespaces, `${step.title}`).toContain(created.namespace);
  });

  it("docs/deploy.md shows the steps exactly as generated from lockstep.deploy.json", () => {
    const document = readFileSync(`${ROOT}docs/deploy.md`, "utf8");
    expect(
      withStepsBlock(document, bootstrapSteps(config)) === document,
      "run `npm run lockstep -- bootstrap --docs docs/deploy.md`",
    ).toBe(true);
  });

  it("the steps that read Terraform outputs run while the state is still readable (infra.md removes its key after them)", () => {
    const reading = bootstrapSteps(config).filter((s) =>
      s.commands.some((c) => c.includes("terraform -chdir=")),
    );
    expect(reading.length).toBeGreaterThan(0);
    for (const step of reading) expect(step.who).toContain("Terraform state readable");
    const infra = readFileSync(`${ROOT}docs/infra.md`, "utf8");
    expect(infra).toMatch(
      /^## 9\. Remove the bootstrap account \(the operator, after docs\/deploy\.md's step 2\)$/m,
    );
    const deploy = readFileSync(`${ROOT}docs/deploy.md`, "utf8");
    expect(deploy.indexOf("### 2. The Secrets")).toBeLessThan(deploy.indexOf("### 3. Artifacts"));
  });

  it("every step says who runs it, the command and what to expect; no value is typed on a command line", () => {
    for (const step of bootstrapSteps(config)) {
      expect(step.who.length).toBeGreaterThan(10);
      expect(step.expect.length).toBeGreaterThan(10);
      for (const command of step.commands) expect(command).not.toMatch(/--from-literal/);
    }
  });
});
