import type { GitHubClient } from "./client.js";

/** One thing docs/security.md asks of the repository, and whether it holds. */
export interface SettingFinding {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when it does not hold. */
  fix?: string;
}

export interface SettingsPolicy {
  branch: string;
  requiredChecks: string[];
  /** GitHub environments that may deploy from `branch` only; those in `reviewed` also need reviewers. */
  environments: string[];
  reviewed: string[];
  subjectClaimKeys: string[];
  codeOwned: string[];
}

export const SECURITY_POLICY: SettingsPolicy = {
  branch: "main",
  requiredChecks: ["check", "lockstep/verify"],
  environments: ["models-verify", "infrastructure"],
  reviewed: ["infrastructure"],
  subjectClaimKeys: ["repo", "context", "job_workflow_ref"],
  codeOwned: [
    "/.github/",
    "/actions/",
    "/packages/verify/",
    "/packages/deploy/",
    "/packages/lockfile/",
    "/packages/cli/",
    "/lockstep.deploy.json",
    "/argocd/bootstrap/",
    "/infra/",
    "/package.json",
    "/package-lock.json",
  ],
};

interface Rule {
  type: string;
  parameters?: Record<string, unknown>;
}
interface Protection {
  required_status_checks?: { contexts?: string[]; checks?: { context: string }[] };
  required_pull_request_reviews?: {
    required_approving_review_count?: number;
    require_code_owner_reviews?: boolean;
    dismiss_stale_reviews?: boolean;
    require_last_push_approval?: boolean;
  };
  allow_force_pushes?: { enabled?: boolean };
  allow_deletions?: { enabled?: boolean };
}
interface Environment {
  name: string;
  protection_rules?: { type: string }[];
  deployment_branch_policy?: { protected_branches?: boolean; custom_branch_policies?: boolean } | null;
}

/** The main branch's rules, from rulesets (rules/branches) or classic protection, in one shape. */
async function branchRules(github: GitHubClient, branch: string) {
  const rules = (await github.repositoryGet<Rule[]>(`/rules/branches/${encodeURIComponent(branch)}`)) ?? [];
  const protection = await github.repositoryGet<Protection>(
    `/branches/${encodeURIComponent(branch)}/protection`,
  );
  const pr = rules.find((r) => r.type === "pull_request")?.parameters ?? {};
  const reviews = protection?.required_pull_request_reviews;
  const checks = new Set<string>([
    ...rules
      .filter((r) => r.type === "required_status_checks")
      .flatMap((r) =>
        ((r.parameters?.required_status_checks ?? []) as { context: string }[]).map((c) => c.context),
      ),
    ...(protection?.required_status_checks?.contexts ?? []),
    ...(protection?.required_status_checks?.checks ?? []).map((c) => c.context),
  ]);
  return {
    pullRequest: rules.some((r) => r.type === "pull_request") || reviews !== undefined,
    approvals: Math.max(
      Number(pr.required_approving_review_count ?? 0),
      reviews?.required_approving_review_count ?? 0,
    ),
    codeOwners: pr.require_code_owner_review === true || reviews?.require_code_owner_reviews === true,
    dismissStale: pr.dismiss_stale_reviews_on_push === true || reviews?.dismiss_stale_reviews === true,
    lastPush: pr.require_last_push_approval === true || reviews?.require_last_push_approval === true,
    checks,
    noForcePush:
      rules.some((r) => r.type === "non_fast_forward") || protection?.allow_force_pushes?.enabled === false,
    noDeletion: rules.some((r) => r.type === "deletion") || protection?.allow_deletions?.enabled === false,
  };
}

/**
 * Reads a repository's settings through the GitHub API and says, for each thing docs/security.md
 * asks, whether it holds: the default branch's rules, CODEOWNERS, the environments and their
 * branch policies, the OIDC subject template, and the Actions permissions.
 */
export async function repositoryFindings(
  github: GitHubClient,
  policy: SettingsPolicy = SECURITY_POLICY,
): Promise<SettingFinding[]> {
  const findings: SettingFinding[] = [];
  const add = (name: string, ok: boolean, detail: string, fix: string) =>
    findings.push({ name, ok, detail, ...(ok ? {} : { fix }) });
  const { branch } = policy;
  const rules = await branchRules(github, branch);
  const ruleset = `Settings → Rules → Rulesets → a branch ruleset on ${branch}`;
  add(
    "pull requests with review",
    rules.pullRequest && rules.approvals >= 1 && rules.codeOwners && rules.dismissStale && rules.lastPush,
    `pull request required: ${rules.pullRequest}; approvals: ${rules.approvals}; code owners: ${rules.codeOwners}; stale approvals dismissed: ${rules.dismissStale}; last push approved: ${rules.lastPush}`,
    `${ruleset}: "Require a pull request before merging" with 1 approval, code-owner review, dismiss stale approvals, approval of the most recent push`,
  );
  const missing = policy.requiredChecks.filter((c) => !rules.checks.has(c));
  add(
    "required checks",
    missing.length === 0,
    `required: ${[...rules.checks].sort().join(", ") || "none"}`,
    `${ruleset}: "Require status checks to pass" with ${missing.join(", ")}`,
  );
  add(
    "no force push or deletion",
    rules.noForcePush && rules.noDeletion,
    `force pushes blocked: ${rules.noForcePush}; deletion blocked: ${rules.noDeletion}`,
    `${ruleset}: "Block force pushes" and "Restrict deletions"`,
  );

  const owners = await github.repositoryGet<{ content?: string; encoding?: string }>(
    `/contents/.github/CODEOWNERS?ref=${encodeURIComponent(branch)}`,
  );
  const text = owners?.content
    ? Buffer.from(owners.content, owners.encoding === "base64" ? "base64" : "utf8").toString("utf8")
    : "";
  const owned = new Set(
    text
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim().split(/\s+/))
      .filter((parts) => parts.length >= 2 && parts[0])
      .map((parts) => parts[0]!),
  );
  // a path is owned by its own line or by a folder's that holds it (/packages/ owns /packages/cli/)
  const unowned = policy.codeOwned.filter(
    (path) => ![...owned].some((o) => o === path || (o.endsWith("/") && path.startsWith(o))),
  );
  add(
    "CODEOWNERS",
    owners !== undefined && unowned.length === 0,
    owners ? `owned: ${[...owned].join(", ") || "nothing"}` : `.github/CODEOWNERS is missing on ${branch}`,
    `add owners for ${unowned.join(", ")} in .github/CODEOWNERS`,
  );

  const environments =
    (await github.repositoryGet<{ environments?: Environment[] }>("/environments"))?.environments ?? [];
  for (const name of policy.environments) {
    const env = environments.find((e) => e.name === name);
    let branches: string[] = [];
    if (env?.deployment_branch_policy?.custom_branch_policies) {
      const listed = await github.repositoryGet<{ branch_policies?: { name: string; type?: string }[] }>(
        `/environments/${encodeURIComponent(name)}/deployment-branch-policies`,
      );
      branches = (listed?.branch_policies ?? []).map((p) => p.name);
    }
    const onlyBranch = branches.length === 1 && branches[0] === branch;
    const reviewed = (env?.protection_rules ?? []).some((r) => r.type === "required_reviewers");
    const needsReview = policy.reviewed.includes(name);
    add(
      `environment ${name}`,
      env !== undefined && onlyBranch && (!needsReview || reviewed),
      env
        ? `deployment branches: ${branches.join(", ") || (env.deployment_branch_policy ? "protected branches" : "any")}${needsReview ? `; required reviewers: ${reviewed}` : ""}`
        : "missing",
      `Settings → Environments → ${name}: deployment branches "Selected branches" = ${branch}${needsReview ? ", required reviewers" : ""}`,
    );
  }

  const sub = await github.repositoryGet<{ use_default?: boolean; include_claim_keys?: string[] }>(
    "/actions/oidc/customization/sub",
  );
  const keys = sub?.include_claim_keys ?? [];
  add(
    "OIDC subject template",
    sub?.use_default === false && JSON.stringify(keys) === JSON.stringify(policy.subjectClaimKeys),
    sub
      ? sub.use_default
        ? "GitHub's default"
        : `include_claim_keys ${JSON.stringify(keys)}`
      : "not readable",
    `gh api -X PUT repos/{owner}/{repo}/actions/oidc/customization/sub -F use_default=false ${policy.subjectClaimKeys.map((k) => `-f 'include_claim_keys[]=${k}'`).join(" ")}`,
  );
  const workflow = await github.repositoryGet<{
    default_workflow_permissions?: string;
    can_approve_pull_request_reviews?: boolean;
  }>("/actions/permissions/workflow");
  add(
    "default workflow permissions",
    workflow?.default_workflow_permissions === "read",
    `default: ${workflow?.default_workflow_permissions ?? "unknown"}; Actions may create and approve pull requests: ${workflow?.can_approve_pull_request_reviews ?? "unknown"} (train, promote, revert and release need it; code-owner review keeps a bot's approval from merging)`,
    "Settings → Actions → General → Workflow permissions: read repository contents and packages permissions",
  );
  const forks = await github.repositoryGet<{ approval_policy?: string }>(
    "/actions/permissions/fork-pr-contributor-approval",
  );
  add(
    "fork pull requests wait for approval",
    forks?.approval_policy === "all_external_contributors",
    `approval: ${forks?.approval_policy ?? "unknown"}`,
    'Settings → Actions → General → "Require approval for all external contributors"',
  );
  return findings;
}
