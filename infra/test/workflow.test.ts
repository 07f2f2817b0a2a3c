/* eslint-disable @typescript-eslint/no-explicit-any -- workflow YAML is walked freely */
// infra.yml walks the stacks in the order their cross-stack references give (src/graph.ts): the
// workflow is compared with the graph derived from the code, and its plan and apply scripts are run
// against a fake terraform that fails as the real one does when a consumer is planned before its
// producers are applied ("Unable to find remote state").
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildApp } from "../src/app.js";
import { stackGraph, type StackGraph } from "../src/graph.js";
import { render } from "../src/order.js";
import { committedConfig, deployConfig, INFRA, ROOT, synthAll } from "./synth.js";

const workflow = (): any => parse(readFileSync(join(ROOT, ".github", "workflows", "infra.yml"), "utf8"));
const stepRunning = (job: any, pattern: RegExp): string => {
  const steps = (job.steps as { run?: string }[]).filter((s) => pattern.test(s.run ?? ""));
  expect(steps, String(pattern)).toHaveLength(1);
  return steps[0]!.run!;
};

let graph: StackGraph;
let work: string;
beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), "lockstep-graph-"));
  try {
    graph = stackGraph(buildApp({ config: committedConfig(), deploy: deployConfig(), outdir }).app);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  work = mkdtempSync(join(tmpdir(), "lockstep-infra-yml-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the stack graph", () => {
  it("is derived from the stacks' cross-stack references", () => {
    expect(graph.producers).toEqual({
      network: [],
      storage: [],
      registry: [],
      identity: ["storage", "registry"],
      cluster: ["network", "storage", "identity"],
      cache: ["network", "storage", "identity"],
      platform: ["cluster"],
    });
    expect(graph.layers).toEqual([
      ["network", "storage", "registry"],
      ["identity"],
      ["cluster", "cache"],
      ["platform"],
    ]);
    expect(graph.order).toEqual(graph.layers.flat());
    expect(graph.clusterAccess).toEqual(["platform"]);
    // every stack after its producers
    for (const [stack, from] of Object.entries(graph.producers))
      for (const producer of from)
        expect(graph.order.indexOf(producer), `${producer} before ${stack}`).toBeLessThan(
          graph.order.indexOf(stack),
        );
  });

  it("is what `npm run -w infra stacks` prints", () => {
    const cli = (flag: string) =>
      spawnSync(process.execPath, ["--import", "tsx", join(INFRA, "src", "order.ts"), flag], {
        cwd: INFRA,
        encoding: "utf8",
      });
    const producers = cli("--producers");
    expect(producers.status, producers.stderr).toBe(0);
    expect(producers.stdout).toBe(render(graph, "producers"));
    expect(producers.stdout).toContain("identity storage registry\n");
    expect(cli("--order").stdout).toBe("network storage registry identity cluster cache platform\n");
  }, 60_000);
});

describe("infra.yml", () => {
  it("walks the stacks in the graph's order, and takes producers and cluster access from the code", () => {
    const { env, jobs } = workflow();
    expect(env.STACKS.split(" ")).toEqual(graph.order);
    const plan = stepRunning(jobs.plan, /terraform -chdir="\$dir" plan /);
    expect(plan).toContain("npm run -s -w infra stacks -- --producers");
    expect(plan).toContain("npm run -s -w infra stacks -- --cluster-access");
    // the plan account holds no write: every plan without a lock, never an apply
    for (const line of plan.split("\n").filter((l) => /terraform .* plan /.test(l)))
      expect(line).toMatch(/ -lock=false /);
    expect(plan).not.toMatch(/terraform [^\n]*\bapply\b/);
    const apply = stepRunning(jobs.apply, /terraform -chdir="\$dir" apply /);
    expect(apply).toMatch(/for stack in \$STACKS; do/);
    expect(jobs.apply.needs).toBe("plan");
    expect(jobs.plan.outputs.reviewed).toBe("${{ steps.plan.outputs.reviewed }}");
    // a plan file of the cache stack holds the Redis password (sensitive, not absent): none leaves the runner
    expect(JSON.stringify(jobs)).not.toMatch(/upload-artifact|plan\.tfplan[^"]*(curl|aws s3|gh )/);
  });

  /** A fake terraform over a "cloud" of applied stacks, failing as the real one does. */
  function world(applied: Record<string, string>, unreachable: string[] = []) {
    const dir = mkdtempSync(join(work, "run-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const state = join(dir, "world.json");
    writeFileSync(state, JSON.stringify({ applied, unreachable, log: [] }));
    for (const stack of graph.order) {
      mkdirSync(join(dir, "infra", "cdktf.out", "stacks", stack), { recursive: true });
      writeFileSync(join(dir, "infra", "cdktf.out", "stacks", stack, "cdk.tf.json"), synthesized[stack]!);
    }
    writeFileSync(join(dir, "producers.txt"), render(graph, "producers"));
    writeFileSync(join(dir, "cluster-access.txt"), render(graph, "cluster-access"));
    writeFileSync(
      join(bin, "npm"),
      [
        "#!/bin/sh",
        `[ "$*" = "run -s -w infra stacks -- --producers" ] && exec cat ${join(dir, "producers.txt")}`,
        `[ "$*" = "run -s -w infra stacks -- --cluster-access" ] && exec cat ${join(dir, "cluster-access.txt")}`,
        'echo "fake npm: unexpected $*" >&2; exit 1',
      ].join("\n"),
    );
    writeFileSync(join(bin, "terraform"), `#!${process.execPath}\n${FAKE_TERRAFORM}`);
    chmodSync(join(bin, "npm"), 0o755);
    chmodSync(join(bin, "terraform"), 0o755);
    const run = (script: string, env: Record<string, string> = {}) => {
      const summary = join(dir, `summary-${Math.random()}`);
      const output = join(dir, `output-${Math.random()}`);
      writeFileSync(summary, "");
      writeFileSync(output, "");
      const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        cwd: dir,
        encoding: "utf8",
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          WORLD: state,
          STACKS: workflow().env.STACKS,
          GITHUB_STEP_SUMMARY: summary,
          GITHUB_OUTPUT: output,
          RUNNER_TEMP: dir,
          ...env,
        },
      });
      return {
        status: result.status,
        stdout: result.stdout,
        stderr: result.stderr,
        summary: readFileSync(summary, "utf8"),
        outputs: Object.fromEntries(
          readFileSync(output, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        ),
      };
    };
    const read = () => JSON.parse(readFileSync(state, "utf8"));
    return { run, read };
  }

  let synthesized: Record<string, string>;
  beforeAll(() => {
    synthesized = synthAll().text;
  });

  it("does the first apply: plans what it can, reports the rest pending, applies stack by stack in order", () => {
    const { jobs } = workflow();
    // docs/infra.md's first apply (steps 1–4) applied storage by hand (its state migrated into the bucket it made)
    const cloud = world({ storage: "v1" });
    const plan = cloud.run(stepRunning(jobs.plan, /terraform -chdir="\$dir" plan /));
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.summary).toContain("- **identity**: pending on registry");
    expect(plan.summary).toContain("- **cluster**: pending on network identity");
    expect(plan.summary).toContain("- **cache**: pending on network identity");
    expect(plan.summary).toContain("- **platform**: pending on cluster");
    const reviewed = plan.outputs.reviewed!.split(" ").map((e: string) => e.split("=")[0]);
    expect(reviewed).toEqual(["network", "storage", "registry"]);
    expect(cloud.read().log.filter((l: string) => l.startsWith("plan"))).toEqual([
      "plan network -lock=false",
      "plan storage -lock=false",
      "plan registry -lock=false",
    ]);

    const apply = cloud.run(stepRunning(jobs.apply, /terraform -chdir="\$dir" apply /), {
      REVIEWED: plan.outputs.reviewed!,
    });
    expect(apply.status, apply.stderr).toBe(0);
    expect(cloud.read().applied).toEqual(Object.fromEntries(graph.order.map((s) => [s, "v1"])));
    // storage had no changes: planned, not applied; every other stack applied after its producers
    expect(cloud.read().log.filter((l: string) => l.startsWith("apply"))).toEqual(
      graph.order.filter((s) => s !== "storage").map((s) => `apply ${s}`),
    );
    expect(apply.summary).toMatch(/identity.*planned here: it was pending/);

    // the next run: everything current, so every stack but the cluster's is planned and reviewed
    const again = cloud.run(stepRunning(jobs.plan, /terraform -chdir="\$dir" plan /));
    expect(again.status, again.stderr).toBe(0);
    expect(again.outputs.reviewed!.split(" ").map((e: string) => e.split("=")[0])).toEqual(
      graph.order.filter((s) => s !== "platform"),
    );
    expect(again.summary).toContain("- **platform**: planned only by the approved job");
  });

  it("holds a consumer back while a producer changes (a new cross-stack output would not be in its state yet)", () => {
    const { jobs } = workflow();
    const cloud = world({ ...Object.fromEntries(graph.order.map((s) => [s, "v1"])), identity: "v0" });
    const plan = cloud.run(stepRunning(jobs.plan, /terraform -chdir="\$dir" plan /));
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.summary).toContain("- **cluster**: pending on identity");
    expect(plan.summary).toContain("- **cache**: pending on identity");
  });

  it("says where to run the apply when the cluster's API is out of reach", () => {
    const { jobs } = workflow();
    const cloud = world({ ...Object.fromEntries(graph.order.map((s) => [s, "v1"])), platform: "v0" }, [
      "platform",
    ]);
    const apply = cloud.run(stepRunning(jobs.apply, /terraform -chdir="\$dir" apply /), { REVIEWED: "" });
    expect(apply.status).not.toBe(0);
    expect(apply.stdout).toMatch(
      /::error::terraform plan of platform failed: it talks to the Kubernetes API, which admits only the VPC and network.apiAllowedCidrs/,
    );
    expect(jobs.apply["runs-on"]).toBe("${{ vars.LOCKSTEP_INFRA_RUNNER || 'ubuntu-latest' }}");
  });

  it("applies a reviewed stack only with the plan that was reviewed", () => {
    const { jobs } = workflow();
    const cloud = world({ storage: "v1" });
    const plan = cloud.run(stepRunning(jobs.plan, /terraform -chdir="\$dir" plan /));
    const tampered = plan.outputs.reviewed!.replace(/network=[0-9a-f]+/, `network=${"0".repeat(64)}`);
    const apply = cloud.run(stepRunning(jobs.apply, /terraform -chdir="\$dir" apply /), {
      REVIEWED: tampered,
    });
    expect(apply.status).not.toBe(0);
    expect(apply.stdout).toMatch(/::error::the plan of network is not the one reviewed/);
    expect(cloud.read().applied).toEqual({ storage: "v1" });
  });
});

/** Reads -chdir's cdk.tf.json for the producers; WORLD holds which stacks are applied at which version ("v1" = the code's). */
const FAKE_TERRAFORM = String.raw`
const fs = require("node:fs"), path = require("node:path");
const args = process.argv.slice(2);
const dir = args.find((a) => a.startsWith("-chdir=")).slice(7);
const stack = path.basename(dir);
const command = args.find((a) => !a.startsWith("-"));
const world = JSON.parse(fs.readFileSync(process.env.WORLD, "utf8"));
const save = () => fs.writeFileSync(process.env.WORLD, JSON.stringify(world));
const fail = (message) => { process.stderr.write("Error: " + message + "\n"); save(); process.exit(1); };
world.log.push([command, stack, ...(command === "plan" && args.includes("-lock=false") ? ["-lock=false"] : [])].join(" "));
const producers = () => {
  const tf = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8"));
  return Object.keys((tf.data || {}).terraform_remote_state || {}).map((k) => k.replace("cross-stack-reference-input-", ""));
};
if (command === "init" || command === "validate") { save(); process.exit(0); }
if (command === "plan") {
  for (const p of producers()) {
    if (!world.applied[p]) fail("Unable to find remote state: No stored state was found for the given workspace in the given backend (lockstep/" + p + ".tfstate)");
    if (world.applied[p] !== "v1") fail("Unsupported attribute: This object does not have an attribute named \"cross-stack-output-" + p + "\"");
  }
  if (world.unreachable.includes(stack)) fail("Kubernetes cluster unreachable: dial tcp: i/o timeout");
  const changes = world.applied[stack] !== "v1";
  const out = args.find((a) => a.startsWith("-out="));
  fs.writeFileSync(path.join(dir, out.slice(5)), changes ? "Plan: " + stack + " to v1" : "No changes. " + stack);
  save();
  process.exit(args.includes("-detailed-exitcode") && changes ? 2 : 0);
}
if (command === "show") { process.stdout.write(fs.readFileSync(path.join(dir, args[args.length - 1]), "utf8") + "\n"); save(); process.exit(0); }
if (command === "apply") {
  const planned = fs.readFileSync(path.join(dir, args[args.length - 1]), "utf8");
  if (!planned.startsWith("Plan: ")) fail("apply of a plan without changes");
  for (const p of producers()) if (world.applied[p] !== "v1") fail("applied before its producer " + p);
  world.applied[stack] = "v1";
  save();
  process.exit(0);
}
fail("fake terraform: unexpected " + args.join(" "));
`;
