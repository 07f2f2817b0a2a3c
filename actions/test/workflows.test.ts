import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lintWorkflows, repositoryWorkflows } from "../../scripts/lint-workflows.js";
import { REVERT_EVENT } from "@lockstep/deploy";
import { models } from "@lockstep/models";
import { REPLAY_SECTION } from "@lockstep/proposal";

const ROOT = resolve(import.meta.dirname, "../..");
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- workflow YAML is walked freely in assertions
type Yaml = any;
const workflow = async (name: string): Promise<Yaml> =>
  parse(await readFile(join(ROOT, ".github", "workflows", name), "utf8"));

describe("workflows", () => {
  it("pass actionlint", async () => {
    const problems = await lintWorkflows(await repositoryWorkflows(ROOT));
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([]);
  });

  it("actionlint does catch broken workflows", async () => {
    const broken = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - run: echo ${{ github.nope.deeper }}",
      "      - uses: actions/checkout@v4",
      "        with:",
      "          fetch-depht: 0",
      "  b:",
      "    needs: [missing]",
      "    runs-on: ubuntu-latest",
      "    steps: [{ run: 'true' }]",
    ].join("\n");
    const problems = await lintWorkflows([{ path: "broken.yml", text: broken }]);
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.map((p) => p.message).join("\n")).toMatch(/missing/);
  });

  it("train: a model choice for every model, weekly btc-signal, one run per model, least privilege", async () => {
    const train = await workflow("train.yml");
    const dispatch = train.on.workflow_dispatch.inputs;
    expect(dispatch.model.options.sort()).toEqual(Object.keys(models).sort());
    expect(Object.keys(dispatch).sort()).toEqual(["data", "environment", "model", "params"]);
    expect(train.on.schedule).toHaveLength(1);
    expect(train.env?.MODEL ?? train.jobs.train.env.MODEL).toContain("'btc-signal'"); // what the schedule trains
    expect(train.concurrency.group).toContain("inputs.model");
    expect(train.permissions).toEqual({ contents: "read" });
    expect(train.jobs.train.permissions).toEqual({
      contents: "write",
      "pull-requests": "write",
      "id-token": "write", // an OIDC token for the store and the attestation's signature, no repository access
      attestations: "write",
    });
    const steps = train.jobs.train.steps as { uses?: string; run?: string }[];
    const build = steps.findIndex((s) => s.run?.includes("npm run build -w actions"));
    const trainStep = steps.findIndex((s) => s.uses === "./actions/train");
    const propose = steps.findIndex((s) => s.uses === "./actions/propose-model");
    expect(build).toBeGreaterThan(-1);
    expect(trainStep).toBeGreaterThan(build); // built before use
    expect(propose).toBeGreaterThan(trainStep);
    // the artifact's provenance is attested between training and the pull request, which names it
    const attest = steps.findIndex((s) => s.uses?.startsWith("actions/attest-build-provenance@"));
    expect(attest).toBeGreaterThan(trainStep);
    expect(propose).toBeGreaterThan(attest);
    expect((steps[attest] as Yaml).with["subject-path"]).toBe("${{ steps.train.outputs.artifact-path }}");
    expect((steps[propose] as Yaml).with.attestation).toBe("${{ steps.attest.outputs.attestation-url }}");
  });

  it("verify-models runs the base's verify action on the head's lock as data, read-only", async () => {
    const verify = await workflow("verify-models.yml");
    // no paths filter: a required check a filter skips would stay expected forever
    expect(verify.on).toEqual({ pull_request_target: null });
    expect(verify.on.pull_request).toBeUndefined();
    expect(verify.permissions).toEqual({});
    expect(Object.keys(verify.jobs)).toEqual(["verify", "replay", "notify"]); // verify: the required check's name
    expect(verify.jobs.verify.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      attestations: "read",
      statuses: "write",
    });
    expect(verify.jobs.verify.environment).toBe("models-verify");
    const steps = verify.jobs.verify.steps as { uses?: string; run?: string; with?: Yaml }[];
    expect(steps[0]!.with).toMatchObject({
      ref: "${{ github.event.pull_request.base.sha }}",
      "persist-credentials": false,
    });
    const build = steps.findIndex((s) => s.run?.includes("npm run build -w actions"));
    const action = steps.findIndex((s) => s.uses === "./actions/verify-models");
    expect(action).toBeGreaterThan(build);
    expect(build).toBeGreaterThan(-1);
    expect(steps[action]!.with).toMatchObject({
      base: "${{ github.event.pull_request.base.sha }}",
      head: "${{ github.event.pull_request.head.sha }}",
      deployed: "true",
    });
    expect(steps[action]).toMatchObject({ id: "verify" });
    expect(verify.jobs.verify.outputs).toEqual({ replay: "${{ steps.verify.outputs.replay }}" });
  });

  it("verify-models writes the shadow replay into the pull request from a job of its own, base code only", async () => {
    const job = (await workflow("verify-models.yml")).jobs.replay;
    expect(job.needs).toEqual(["verify"]);
    expect(job.if).toBe("${{ !cancelled() && needs.verify.outputs.replay != '' }}");
    // the only job that writes the pull request: no id-token, no store, no statuses
    expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(job.environment).toBeUndefined();
    const steps = job.steps as Yaml[];
    expect(steps[0].with).toMatchObject({
      ref: "${{ github.event.pull_request.base.sha }}",
      "persist-credentials": false,
    });
    for (const step of steps) expect(step.run ?? "", "no output spliced into a script").not.toContain("${{");
    const section = steps.find((s: Yaml) => s.uses === "./actions/pull-request-section");
    expect(section.with).toEqual({
      number: "${{ github.event.pull_request.number }}",
      section: REPLAY_SECTION, // the section propose writes: one replay section, rewritten in place
      markdown: "${{ needs.verify.outputs.replay }}",
    });
  });

  it("store credentials come from workload identity federation, never a stored key", async () => {
    for (const [name, variable] of [
      ["train.yml", "LOCKSTEP_YC_TRAIN_SERVICE_ACCOUNT_ID"],
      ["verify-models.yml", "LOCKSTEP_YC_VERIFY_SERVICE_ACCOUNT_ID"],
      ["monitor.yml", "LOCKSTEP_YC_MONITOR_SERVICE_ACCOUNT_ID"],
    ] as const) {
      const job = Object.values((await workflow(name)).jobs)[0] as Yaml;
      expect(job.env.AWS_SECRET_ACCESS_KEY, name).toBeUndefined();
      expect(job.env.AWS_ACCESS_KEY_ID, name).toBeUndefined();
      expect(job.env.LOCKSTEP_YC_SERVICE_ACCOUNT_ID, name).toBe(`\${{ vars.${variable} }}`);
      expect(job.permissions["id-token"], name).toBe("write");
    }
  });

  it("ci checks, lints, builds the actions and tests on pushes and pull requests", async () => {
    const ci = await workflow("ci.yml");
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
    const runs = (ci.jobs.check.steps as { run?: string }[]).map((s) => s.run ?? "").join("\n");
    for (const command of [
      "npm ci",
      "format:check",
      "npm run lint",
      "typecheck",
      "build -w actions",
      "lockstep render --check",
      "npm test",
    ])
      expect(runs).toContain(command);
  });

  it("monitor runs on a schedule and by hand, keeps the reports, and may only write issues and dispatch", async () => {
    const monitor = await workflow("monitor.yml");
    expect(Object.keys(monitor.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(monitor.permissions).toEqual({ contents: "read" });
    const job = monitor.jobs.monitor;
    expect(job.permissions).toEqual({
      contents: "read",
      issues: "write",
      actions: "write",
      "id-token": "write",
    });
    const steps = job.steps as Yaml[];
    const uses = steps.map((s: Yaml) => s.uses).filter(Boolean);
    expect(uses).toContain("./actions/monitor");
    const keep = steps.find((s: Yaml) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(keep.if).toBe("always()");
    expect(keep.with.path).toBe(".lockstep/monitor/");
    // the ClickHouse URL carries a password: a secret, never a variable or a literal
    expect(job.env.LOCKSTEP_CLICKHOUSE_URL).toBe("${{ secrets.LOCKSTEP_CLICKHOUSE_URL }}");
  });

  it("train, verify, monitor and release tell people when they fail: one issue per workflow, chat when configured", async () => {
    for (const [file, after, name] of [
      ["train.yml", "train", "train"],
      ["verify-models.yml", "verify", "verify-models"],
      ["monitor.yml", "monitor", "monitor"],
      ["release.yml", "image", "release"],
    ] as const) {
      const notify = (await workflow(file)).jobs.notify;
      expect(notify.needs, file).toEqual([after]);
      // a fork's pull request has no token to write issues with
      expect(notify.if, file).toBe(
        file === "verify-models.yml"
          ? "failure() && github.event.pull_request.head.repo.full_name == github.repository"
          : "failure()",
      );
      expect(notify.permissions, file).toEqual({ contents: "read", issues: "write" });
      const step = (notify.steps as Yaml[]).find((s: Yaml) => s.uses === "./actions/notify-failure");
      expect(step.with.workflow, file).toBe(name);
    }
  });

  it("promote opens its pull request through the built promote action, by hand only", async () => {
    const promote = await workflow("promote.yml");
    expect(Object.keys(promote.on)).toEqual(["workflow_dispatch"]);
    expect(promote.on.workflow_dispatch.inputs.model.options.sort()).toEqual(Object.keys(models).sort());
    expect(promote.jobs.promote.permissions).toEqual({ contents: "write", "pull-requests": "write" });
    const steps = promote.jobs.promote.steps as { uses?: string; run?: string }[];
    const build = steps.findIndex((s) => s.run?.includes("npm run build -w actions"));
    expect(steps.findIndex((s) => s.uses === "./actions/promote-model")).toBeGreaterThan(build);
    expect(build).toBeGreaterThan(-1);
  });

  it("revert answers the notification's dispatch, and never splices its payload into a script", async () => {
    const revert = await workflow("revert.yml");
    expect(revert.on.repository_dispatch.types).toEqual([REVERT_EVENT]);
    expect(Object.keys(revert.on.workflow_dispatch.inputs).sort()).toEqual([
      "analysis",
      "environment",
      "model",
      "reason",
    ]);
    for (const step of revert.jobs.revert.steps as { run?: string }[])
      expect(step.run ?? "").not.toContain("${{");
    expect(revert.jobs.revert.steps.at(-1).run).toContain(
      'npx lockstep revert "$MODEL" --env "$ENVIRONMENT"',
    );
  });

  it("release builds linux/amd64 with SBOM and provenance, logs in by OIDC, and proposes the digest", async () => {
    const release = await workflow("release.yml");
    expect(release.on.push.paths).toContain("apps/inference/**");
    const job = release.jobs.image;
    expect(job.permissions["id-token"]).toBe("write");
    const steps = job.steps as { uses?: string; run?: string; with?: Yaml }[];
    const login = steps.find((s) => s.uses === "./actions/registry-login")!;
    expect(login.with["service-account-id"]).toMatch(/^\$\{\{ vars\./);
    const build = steps.find((s) => s.uses?.startsWith("docker/build-push-action"))!;
    expect(build.with).toMatchObject({
      file: "apps/inference/Dockerfile",
      platforms: "linux/amd64",
      push: true,
      sbom: true,
    });
    expect(build.with.provenance).toBe("mode=max");
    expect(steps.at(-1)!.run).toContain('npx lockstep release "$DIGEST"');
    expect(JSON.stringify(release)).not.toMatch(/secrets\./);
  });
  it("infra validates pull requests without an identity, plans main read-only, applies behind a protected environment", async () => {
    const infra = await workflow("infra.yml");
    expect(infra.on.pull_request.paths).toEqual([
      "infra/**",
      "lockstep.deploy.json",
      ".github/workflows/infra.yml",
    ]);
    expect(infra.on.push).toEqual({ branches: ["main"], paths: infra.on.pull_request.paths });
    expect(infra.permissions).toEqual({ contents: "read" });
    expect(infra.concurrency["cancel-in-progress"]).toBe(false);
    const { validate, plan, apply } = infra.jobs;
    for (const job of [plan, apply])
      expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    // the pull request's own code: no OIDC token, no secret, no backend
    expect(validate.if).toBe("github.event_name == 'pull_request'");
    expect(validate.permissions).toEqual({ contents: "read" });
    expect(JSON.stringify(validate)).not.toMatch(/secrets\.|yc-credentials/);
    expect((validate.steps as { run?: string }[]).map((s) => s.run ?? "").join("\n")).toContain(
      "init -no-color -backend=false",
    );
    expect(plan.if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
    expect(apply.needs).toBe("plan");
    expect(apply.environment).toBe("infrastructure");
    expect(apply.if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
    const account = (job: Yaml) =>
      (job.steps as { uses?: string; with?: Yaml }[]).find((s) => s.uses === "./actions/yc-credentials")!
        .with["service-account-id"];
    expect(account(plan)).toBe("${{ vars.LOCKSTEP_YC_INFRA_PLAN_SERVICE_ACCOUNT_ID }}");
    expect(account(apply)).toBe("${{ vars.LOCKSTEP_YC_INFRA_SERVICE_ACCOUNT_ID }}");
    const planScript = (plan.steps as { run?: string }[]).map((s) => s.run ?? "").join("\n");
    expect(planScript).toMatch(/terraform -chdir="\$dir" validate/);
    expect(planScript).toMatch(/terraform -chdir="\$dir" plan .*-lock=false .*-out=plan.tfplan/);
    expect(planScript).toContain("GITHUB_STEP_SUMMARY");
    expect(planScript).not.toContain("apply");
    expect(infra.env.STACKS.split(" ")).toEqual([
      "network",
      "storage",
      "registry",
      "identity",
      "cluster",
      "cache",
      "platform",
    ]);
    expect(JSON.stringify(infra)).not.toMatch(/secrets\./);
  });
});

describe("actions", () => {
  it("run on node24 from their bundle, and declare every input their code reads", async () => {
    const dirs = (await readdir(join(ROOT, "actions"), { withFileTypes: true })).filter((e) =>
      e.isDirectory(),
    );
    const actions = [];
    for (const dir of dirs) {
      const file = join(ROOT, "actions", dir.name, "action.yml");
      const text = await readFile(file, "utf8").catch(() => undefined);
      if (text === undefined) continue;
      const action = parse(text) as {
        runs: { using: string; main: string };
        inputs?: Record<string, unknown>;
      };
      const { post, ...runs } = action.runs as { post?: string };
      expect(runs, dir.name).toEqual({ using: "node24", main: "dist/index.mjs" });
      if (post !== undefined) expect(post, dir.name).toBe("dist/post.mjs");
      const code = await readFile(join(ROOT, "actions", dir.name, "src", "main.ts"), "utf8");
      const read = [...code.matchAll(/getInput\("([\w-]+)"/g)].map((m) => m[1]);
      expect(read.length, dir.name).toBeGreaterThan(0);
      for (const input of read)
        expect(Object.keys(action.inputs ?? {}), `${dir.name} reads ${input}`).toContain(input);
      actions.push(dir.name);
    }
    expect(actions).toContain("propose-model");
  });
});
