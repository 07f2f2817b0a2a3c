import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { run } from "../src/index.js";
import { doctorGithub } from "../src/commands/doctor.js";
import { capture } from "./capture.js";

let github: FakeGitHub;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  github = new FakeGitHub({ owner: "acme", repo: "models", token: "t" });
  await github.start();
  env = { GITHUB_TOKEN: "t", GITHUB_API_URL: github.url };
});
afterAll(() => github.stop());

// the repository's own CODEOWNERS must satisfy the doctor
const codeowners = readFileSync(join(import.meta.dirname, "../../../.github/CODEOWNERS"), "utf8");

/** Everything docs/security.md asks, in the shapes GitHub's settings endpoints answer. */
function applyEverything(): void {
  const s = github.settings;
  s.set("/rules/branches/main", [
    {
      type: "pull_request",
      ruleset_source_type: "Repository",
      ruleset_id: 1,
      parameters: {
        required_approving_review_count: 1,
        require_code_owner_review: true,
        dismiss_stale_reviews_on_push: true,
        require_last_push_approval: true,
        required_review_thread_resolution: false,
      },
    },
    {
      type: "required_status_checks",
      parameters: {
        required_status_checks: [{ context: "check" }, { context: "lockstep/verify" }],
        strict_required_status_checks_policy: true,
      },
    },
    { type: "non_fast_forward" },
    { type: "deletion" },
  ]);
  s.set("/contents/.github/CODEOWNERS", {
    encoding: "base64",
    content: Buffer.from(codeowners).toString("base64"),
  });
  const env = (name: string, reviewers: boolean) => ({
    id: 1,
    name,
    protection_rules: [
      ...(reviewers ? [{ id: 2, type: "required_reviewers", reviewers: [] }] : []),
      { id: 3, type: "branch_policy" },
    ],
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
  });
  s.set("/environments", {
    total_count: 2,
    environments: [env("models-verify", false), env("infrastructure", true)],
  });
  for (const name of ["models-verify", "infrastructure"])
    s.set(`/environments/${name}/deployment-branch-policies`, {
      total_count: 1,
      branch_policies: [{ id: 1, name: "main", type: "branch" }],
    });
  s.set("/actions/oidc/customization/sub", {
    use_default: false,
    include_claim_keys: ["repo", "context", "job_workflow_ref"],
  });
  s.set("/actions/permissions/workflow", {
    default_workflow_permissions: "read",
    can_approve_pull_request_reviews: false,
  });
  s.set("/actions/permissions/fork-pr-contributor-approval", {
    approval_policy: "all_external_contributors",
  });
}

describe("lockstep doctor github", () => {
  it("lists every open setting with its fix, exit 1, on a repository with nothing applied", async () => {
    github.settings.clear();
    const out = capture();
    expect(await doctorGithub({ repo: "acme/models" }, out, env)).toBe(1);
    const text = out.text();
    for (const name of [
      "pull requests with review",
      "required checks",
      "no force push or deletion",
      "CODEOWNERS",
      "environment models-verify",
      "environment infrastructure",
      "OIDC subject template",
      "default workflow permissions",
      "fork pull requests wait for approval",
    ])
      expect(text).toMatch(new RegExp(`OPEN +${name}`));
    expect(text).toMatch(
      /- OIDC subject template: gh api -X PUT .*-F use_default=false .*include_claim_keys\[\]=job_workflow_ref/,
    );
    expect(text).toMatch(/acme\/models: 9 of 9 settings open/);
  });

  it("passes when everything docs/security.md asks holds, and names what drifts", async () => {
    applyEverything();
    const out = capture();
    expect(await doctorGithub({ repo: "acme/models", json: true }, out, env)).toBe(0);
    expect(JSON.parse(out.text())).toMatchObject({ repository: "acme/models", ok: true });

    github.settings.set("/actions/oidc/customization/sub", { use_default: true });
    // a CODEOWNERS that leaves the verifier and the lockfile to anyone
    github.settings.set("/contents/.github/CODEOWNERS", {
      encoding: "base64",
      content: Buffer.from("/.github/ @a\n/actions/ @a\n/packages/deploy/ @a\n").toString("base64"),
    });
    github.settings.set("/environments/infrastructure/deployment-branch-policies", {
      total_count: 2,
      branch_policies: [{ name: "main" }, { name: "release/*" }],
    });
    const drift = capture();
    expect(await doctorGithub({ repo: "acme/models" }, drift, env)).toBe(1);
    expect(drift.text()).toMatch(/OPEN +OIDC subject template +GitHub's default/);
    expect(drift.text()).toMatch(/OPEN +environment infrastructure +deployment branches: main, release\/\*/);
    expect(drift.text()).toMatch(
      /- CODEOWNERS: add owners for \/packages\/verify\/, \/packages\/lockfile\/, \/packages\/cli\//,
    );
    expect(drift.text()).toMatch(/3 of 9 settings open/);
  });

  it("reads classic branch protection where there is no ruleset", async () => {
    applyEverything();
    github.settings.delete("/rules/branches/main");
    github.settings.set("/branches/main/protection", {
      required_status_checks: { strict: true, contexts: ["check", "lockstep/verify"] },
      required_pull_request_reviews: {
        required_approving_review_count: 2,
        require_code_owner_reviews: true,
        dismiss_stale_reviews: true,
        require_last_push_approval: true,
      },
      allow_force_pushes: { enabled: false },
      allow_deletions: { enabled: false },
    });
    expect(await doctorGithub({ repo: "acme/models" }, capture(), env)).toBe(0);
  });

  it("refuses bad input with exit 2 and a clear message", async () => {
    const saved = { ...process.env };
    try {
      delete process.env.GITHUB_TOKEN;
      const noToken = capture();
      expect((await run(["doctor", "github", "--repo", "acme/models"], noToken)).exitCode).toBe(2);
      expect(noToken.errors()).toMatch(/set GITHUB_TOKEN/);
      process.env.GITHUB_TOKEN = "t";
      process.env.GITHUB_API_URL = github.url;
      for (const [args, message] of [
        [["--repo", "not a repo"], /--repo must be owner\/name/],
        [["--repo", "acme/models", "--branch", "--upload-pack=x"], /is not a branch name/],
        [["--repo", "acme/models", "--branch", "a/../b"], /is not a branch name/],
      ] as const) {
        const out = capture();
        expect((await run(["doctor", "github", ...args], out)).exitCode, args.join(" ")).toBe(2);
        expect(out.errors()).toMatch(message);
      }
    } finally {
      process.env = saved;
    }
  });
});
