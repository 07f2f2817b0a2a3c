// The repository's workflows, read as GitHub reads them, with what the trust tests ask of each job.
/* eslint-disable @typescript-eslint/no-explicit-any -- workflow YAML is walked freely */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

/** The repository under test (LOCKSTEP_TRUST_ROOT: another checkout, e.g. to show a door open on an older commit). */
export const ROOT = process.env.LOCKSTEP_TRUST_ROOT ?? resolve(import.meta.dirname, "../..");
export const REPOSITORY = "lockstep-dev/lockstep";

export interface Job {
  /** workflow file / job id */
  key: string;
  file: string;
  id: string;
  job: any;
  triggers: string[];
}

export function workflows(root = ROOT): { file: string; text: string; doc: any }[] {
  const dir = join(root, ".github", "workflows");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yml"))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      return { file, text, doc: parse(text) };
    });
}

export function jobs(root = ROOT): Job[] {
  return workflows(root).flatMap(({ file, doc }) =>
    Object.entries(doc.jobs as Record<string, any>).map(([id, job]) => ({
      key: `${file}/${id}`,
      file,
      id,
      job,
      triggers: Object.keys(doc.on ?? doc.true ?? {}),
    })),
  );
}

const text = (value: unknown) => JSON.stringify(value);

/** Whether a job executes code of a pull request's head: any job a `pull_request` event runs,
 * or a privileged event's job that checks out, fetches or runs the head. */
export function runsPullRequestCode(job: Job): boolean {
  if (
    job.triggers.includes("pull_request") &&
    (!job.job.if || !/event_name != 'pull_request'/.test(job.job.if))
  )
    return true;
  if (!job.triggers.some((t) => t === "pull_request_target" || t === "workflow_run")) return false;
  return checksOutHead(job);
}

/** A step that brings the head's code into the workspace (checkout of the head, gh pr checkout, a fetch + checkout). */
export function checksOutHead(job: Job): boolean {
  for (const step of job.job.steps ?? []) {
    if (String(step.uses ?? "").startsWith("actions/checkout@")) {
      const ref = String(step.with?.ref ?? "");
      const repository = String(step.with?.repository ?? "");
      if (/head|refs\/pull|merge/.test(ref) || /head\.repo/.test(repository)) return true;
    }
    if (/gh pr checkout|git (checkout|switch)[^\n]*(head|FETCH_HEAD)/.test(String(step.run ?? "")))
      return true;
  }
  return false;
}

export const secretsOf = (job: Job) =>
  [...new Set([...text(job.job).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]!))].sort();

/** The repository variable naming the service account the job acts as, if any. */
export function accountOf(job: Job): string | undefined {
  const names = new Set(
    [
      ...text(job.job).matchAll(
        /"(?:LOCKSTEP_YC_SERVICE_ACCOUNT_ID|service-account-id)":"\$\{\{ vars\.([A-Z0-9_]+) \}\}"/g,
      ),
    ].map((m) => m[1]!),
  );
  if (names.size > 1) throw new Error(`${job.key} names more than one account: ${[...names].join(", ")}`);
  return [...names][0];
}

/** The `sub` claim of this job's OIDC token under the template ["repo", "context", "job_workflow_ref"]. */
export function jobSubject(job: Job, event: "main" | "pull_request", repository = REPOSITORY): string {
  const context = job.job.environment
    ? `environment:${typeof job.job.environment === "string" ? job.job.environment : job.job.environment.name}`
    : event === "pull_request"
      ? "pull_request"
      : "ref:refs/heads/main";
  const ref =
    event === "pull_request" && job.triggers.includes("pull_request")
      ? "refs/pull/1/merge"
      : "refs/heads/main";
  return `repo:${repository}:${context}:job_workflow_ref:${repository}/.github/workflows/${job.file}@${ref}`;
}

/** Every `uses:` line of every workflow and action, as written (for the pinning check). */
export function usesLines(root = ROOT): { where: string; line: string }[] {
  const files = [
    ...workflows(root).map(({ file, text }) => ({ where: `.github/workflows/${file}`, text })),
    ...readdirSync(join(root, "actions"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => {
        try {
          return [
            {
              where: `actions/${d.name}/action.yml`,
              text: readFileSync(join(root, "actions", d.name, "action.yml"), "utf8"),
            },
          ];
        } catch {
          return [];
        }
      }),
  ];
  return files.flatMap(({ where, text }) =>
    text
      .split("\n")
      .filter((l) => /^\s*-?\s*uses:\s*/.test(l))
      .map((line) => ({ where, line: line.trim() })),
  );
}
