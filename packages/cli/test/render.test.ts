import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { run } from "../src/index.js";
import { capture } from "./capture.js";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("lockstep render", () => {
  let dir: string;
  const args = (...rest: string[]) => [...rest, "--lock", join(dir, "models.lock.json")];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lockstep-render-cli-"));
    await cp(join(ROOT, "models.lock.json"), join(dir, "models.lock.json"));
    await cp(join(ROOT, "lockstep.deploy.json"), join(dir, "lockstep.deploy.json"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("the monitor CronJob's command line is one this CLI's monitor accepts", async () => {
    const text = await readFile(join(ROOT, "argocd/envs/staging/co2-forecast/cronjob-monitor.yaml"), "utf8");
    const cronJob = parse(text) as {
      spec: { jobTemplate: { spec: { template: { spec: { containers: { args: string[] }[] } } } } };
    };
    const argv = cronJob.spec.jobTemplate.spec.template.spec.containers[0]!.args;
    expect(argv.slice(0, 2)).toEqual(["monitor", "co2-forecast"]);
    // every option parses: what fails is the missing lock, read after them
    const out = capture();
    const missing = join(dir, "no-such.lock.json");
    expect((await run([...argv, "--lock", missing], out)).exitCode).toBe(2);
    expect(out.errors()).toContain(missing);
    const wrong = capture();
    expect((await run([...argv, "--no-such-option", "--lock", missing], wrong)).exitCode).toBe(2);
    expect(wrong.errors()).not.toContain(missing);
  });

  it("the committed argocd/ is what render makes from the committed lock and config", async () => {
    const out = capture();
    expect((await run(["render", "--check", "--lock", join(ROOT, "models.lock.json")], out)).exitCode).toBe(
      0,
    );
    expect(out.text()).toMatch(/argocd\/ is up to date: \d+ files/);
  });

  it("refuses the unreleased placeholder digest unless asked for a dry run, which generates no Application", async () => {
    const refused = capture();
    expect((await run(args("render"), refused)).exitCode).toBe(2);
    expect(refused.errors()).toContain("IMAGE_UNRELEASED");
    expect(refused.errors()).toContain("--dry-run");
    const dry = capture();
    expect((await run(args("render", "--dry-run"), dry)).exitCode).toBe(0);
    expect(dry.errors()).toContain("dry run");
    const appSet = parse(await readFile(join(dir, "argocd/bootstrap/applicationset-staging.yaml"), "utf8"));
    expect(appSet.spec.generators[0].list.elements).toEqual([]);
    expect(appSet.metadata.annotations["lockstep.dev/held"]).toMatch(/placeholder/);
    const bootstrap = await readFile(join(dir, "argocd/bootstrap/kustomization.yaml"), "utf8");
    expect(bootstrap).not.toContain("applicationset-previews.yaml");
    // released: every pinned model is generated, and previews are on
    const config = JSON.parse(await readFile(join(dir, "lockstep.deploy.json"), "utf8"));
    config.image.digest = `sha256:${"2".repeat(64)}`;
    const released = join(dir, "released.json");
    await writeFile(released, JSON.stringify(config));
    const out = capture();
    expect((await run(args("render", "--config", released), out)).exitCode).toBe(0);
    const live = parse(await readFile(join(dir, "argocd/bootstrap/applicationset-staging.yaml"), "utf8"));
    expect(live.spec.generators[0].list.elements.map((e: { model: string }) => e.model)).toEqual([
      "btc-signal",
      "co2-forecast",
      "fish-classifier",
    ]);
    expect(live.metadata.annotations).toBeUndefined();
    expect(await readFile(join(dir, "argocd/bootstrap/kustomization.yaml"), "utf8")).toContain(
      "applicationset-previews.yaml",
    );
    await rm(join(dir, "argocd"), { recursive: true });
  });

  it("writes the files, then finds nothing to change", async () => {
    const first = capture();
    expect((await run(args("render", "--dry-run"), first)).exitCode).toBe(0);
    expect(first.text()).toContain("missing  argocd/envs/staging/co2-forecast/rollout.yaml");
    const second = capture();
    expect((await run(args("render", "--dry-run"), second)).exitCode).toBe(0);
    expect(second.text()).toContain("nothing changed");
    expect((await run(args("render", "--check"), capture())).exitCode).toBe(0);
  });

  it("--check exits 1 on an edited, a missing and a stray file, and names each; render repairs them", async () => {
    await run(args("render", "--dry-run"), capture());
    const rollout = join(dir, "argocd/envs/staging/btc-signal/rollout.yaml");
    await writeFile(rollout, (await readFile(rollout, "utf8")).replace("replicas: 2", "replicas: 9"));
    await rm(join(dir, "argocd/envs/staging/btc-signal/pdb.yaml"));
    await writeFile(join(dir, "argocd/envs/staging/btc-signal/by-hand.yaml"), "kind: ConfigMap\n");
    const out = capture();
    expect((await run(args("render", "--check"), out)).exitCode).toBe(1);
    expect(out.text()).toContain("argocd/ is stale");
    expect(out.text()).toContain("changed  argocd/envs/staging/btc-signal/rollout.yaml");
    expect(out.text()).toContain("missing  argocd/envs/staging/btc-signal/pdb.yaml");
    expect(out.text()).toContain("extra    argocd/envs/staging/btc-signal/by-hand.yaml");
    expect((await run(args("render", "--dry-run"), capture())).exitCode).toBe(0);
    expect((await run(args("render", "--check"), capture())).exitCode).toBe(0);
  });

  it("refuses a missing or invalid config with exit 2 and the JSON pointer", async () => {
    const missing = capture();
    expect((await run(args("render", "--config", join(dir, "nope.json")), missing)).exitCode).toBe(2);
    expect(missing.errors()).toContain("DEPLOY_CONFIG_NOT_FOUND");
    const bad = join(dir, "bad.json");
    const config = JSON.parse(await readFile(join(dir, "lockstep.deploy.json"), "utf8"));
    config.models["no-such-model"] = {};
    config.defaults.resources = { limits: { memory: "lots" } };
    await writeFile(bad, JSON.stringify(config));
    const out = capture();
    expect((await run(args("render", "--config", bad), out)).exitCode).toBe(2);
    expect(out.errors()).toContain("/defaults/resources/limits/memory");
    expect(out.errors()).toContain('/models/no-such-model: unknown model "no-such-model"');
    await writeFile(bad, "{not json");
    expect((await run(args("render", "--config", bad), capture())).exitCode).toBe(2);
  });
});
