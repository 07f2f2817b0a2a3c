// The trust policy over every workflow (docs/security.md): who runs what, holding which identity.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ACCOUNTS, ACCOUNT_OF_VARIABLE, JOBS, WRITERS } from "./policy.js";
import {
  accountOf,
  checksOutHead,
  jobs,
  ROOT,
  runsPullRequestCode,
  secretsOf,
  usesLines,
  workflows,
} from "./workflows.js";

const all = jobs();

describe("every workflow job, against the documented policy", () => {
  it("is in the policy with exactly its permissions, account, environment and secrets", () => {
    expect(all.map((j) => j.key).sort()).toEqual(Object.keys(JOBS).sort());
    for (const job of all) {
      const policy = JOBS[job.key]!;
      expect(job.job.permissions, `${job.key} permissions`).toEqual(policy.permissions);
      expect(accountOf(job), `${job.key} account`).toBe(policy.account);
      expect(job.job.environment, `${job.key} environment`).toBe(policy.environment);
      expect(secretsOf(job), `${job.key} secrets`).toEqual([...(policy.secrets ?? [])].sort());
    }
    // a workflow grants nothing by default: each job asks for what it needs
    for (const { file, doc } of workflows())
      expect([{ contents: "read" }, {}], file).toContainEqual(doc.permissions);
  });

  it("a job that runs pull-request code holds no write permission, no OIDC token, no secret, no environment", () => {
    const headCode = all.filter(runsPullRequestCode);
    expect(headCode.map((j) => j.key).sort()).toEqual(["ci.yml/check", "infra.yml/validate"]);
    for (const job of headCode) {
      expect(Object.values(job.job.permissions ?? {}), job.key).not.toContain("write");
      expect(secretsOf(job), job.key).toEqual([]);
      expect(accountOf(job), job.key).toBeUndefined();
      expect(job.job.environment, job.key).toBeUndefined();
    }
  });

  it("no pull_request_target or workflow_run job checks out, fetches or runs the head; head values reach no script", () => {
    // the classifier itself: a checkout of the head, or a fetch of it for a script, is caught
    const probe = (step: object) =>
      checksOutHead({
        key: "x",
        file: "x",
        id: "x",
        job: { steps: [step] },
        triggers: ["pull_request_target"],
      });
    expect(
      probe({
        uses: "actions/checkout@" + "0".repeat(40),
        with: { ref: "${{ github.event.pull_request.head.sha }}" },
      }),
    ).toBe(true);
    expect(probe({ run: "git fetch origin refs/pull/1/head && git checkout FETCH_HEAD" })).toBe(true);
    expect(probe({ run: "gh pr checkout 1" })).toBe(true);
    expect(
      probe({
        uses: "actions/checkout@" + "0".repeat(40),
        with: { ref: "${{ github.event.pull_request.base.sha }}" },
      }),
    ).toBe(false);
    const privileged = all.filter((j) =>
      j.triggers.some((t) => t === "pull_request_target" || t === "workflow_run"),
    );
    expect(privileged.map((j) => j.key).sort()).toEqual([
      "verify-models.yml/notify",
      "verify-models.yml/replay",
      "verify-models.yml/verify",
    ]);
    for (const job of privileged) {
      expect(checksOutHead(job), job.key).toBe(false);
      for (const step of job.job.steps) {
        if (String(step.uses ?? "").startsWith("actions/checkout@"))
          expect(step.with?.ref, job.key).toBe("${{ github.event.pull_request.base.sha }}");
        // the head's sha reaches only the verify action's `head` input, which reads it as data: no
        // script, and no environment a script could read, carries anything of the head
        expect(JSON.stringify(step.run ?? ""), job.key).not.toMatch(
          /pull_request\.(head|title|body)|github\.head_ref/,
        );
        expect(JSON.stringify(step.env ?? {}), job.key).not.toMatch(
          /pull_request\.(head|title|body)|github\.head_ref/,
        );
        const mentions = JSON.stringify(step.with ?? {}).match(/pull_request\.head\.[a-z_.]+/g) ?? [];
        if (mentions.length > 0) {
          expect(step.uses, job.key).toBe("./actions/verify-models");
          expect(step.with.head).toBe("${{ github.event.pull_request.head.sha }}");
        }
      }
    }
  });

  it("every checkout persists no credentials", () => {
    for (const job of all)
      for (const step of job.job.steps ?? [])
        if (String(step.uses ?? "").startsWith("actions/checkout@"))
          expect(step.with?.["persist-credentials"], job.key).toBe(false);
  });

  it("no workflow holds a static cloud key; only writers' jobs on main act as a writing account", () => {
    const text = workflows()
      .map((w) => w.text)
      .join("\n");
    expect(text).not.toMatch(/secrets\.[A-Z_]*(ACCESS_KEY|SECRET_ACCESS|S3_)/);
    expect(text).not.toMatch(/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY):/);
    for (const job of all) {
      const variable = accountOf(job);
      if (!variable) continue;
      const account = ACCOUNT_OF_VARIABLE[variable]!;
      expect(account, `${job.key}: ${variable}`).toBeDefined();
      expect(Object.keys(ACCOUNTS)).toContain(account);
      if (WRITERS.has(account)) expect(job.triggers, job.key).not.toContain("pull_request_target");
    }
  });

  it("every third-party action is pinned by a full commit SHA with its tag in a comment", () => {
    const lines = usesLines();
    expect(lines.length).toBeGreaterThan(20);
    for (const { where, line } of lines) {
      const target = /uses:\s*([^\s#]+)/.exec(line)![1]!;
      if (target.startsWith("./")) continue;
      expect(target, `${where}: ${line}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(line, `${where}: ${line}`).toMatch(/# v\d+(\.\d+){0,2}$/);
    }
  });

  it("the image builds from a base image by digest and installs its dependencies from a lockfile", () => {
    const dockerfile = readFileSync(join(ROOT, "apps/inference/Dockerfile"), "utf8");
    const from = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(from.length).toBeGreaterThan(0);
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(image).toMatch(/^node:[\w.-]+@sha256:[0-9a-f]{64}$/);
    for (const f of from) expect(f === "${NODE_IMAGE}" || /@sha256:[0-9a-f]{64}$/.test(f), f).toBe(true);
    const installs = [...dockerfile.matchAll(/\bnpm (install|i|ci)\b[^\n]*/g)].map((m) => m[0]);
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install, install).toMatch(/^npm ci\b/);
  });

  it("train and release, the two writers on main, have subjects no other job shares", () => {
    const subjects = new Map<string, string>();
    for (const job of all.filter((j) => accountOf(j))) {
      const subject = `${job.file}|${job.job.environment ?? "main"}`;
      expect(
        subjects.get(subject),
        `${job.key} shares its OIDC subject with ${subjects.get(subject)}`,
      ).toBeUndefined();
      subjects.set(subject, job.key);
    }
  });
});
