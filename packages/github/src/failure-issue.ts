import type { GitHubClient } from "./client.js";

const MARKER = /<!-- lockstep:failure workflow=([\w.-]+) failures=(\d+) -->/;

export interface FailureReport {
  /** The workflow that failed (train, verify-models, monitor, release). */
  workflow: string;
  runUrl?: string;
  /** The ref or commit it ran on. */
  ref?: string;
  /** Extra lines: which job, which model. */
  details?: string;
}

/**
 * One open issue per failing workflow (label `ci-failure`, found by its hidden marker): the first
 * failure opens it, later ones rewrite its body with the newest run and a count, never a comment each.
 */
export async function upsertFailureIssue(
  github: GitHubClient,
  report: FailureReport,
  options: { label?: string } = {},
): Promise<{ action: "opened" | "updated"; number: number; url: string; failures: number }> {
  const label = options.label ?? "ci-failure";
  const existing = await github.oldestOpenIssue(label, (body) => MARKER.exec(body)?.[1] === report.workflow);
  const failures = existing ? Number(MARKER.exec(existing.body ?? "")![2]) + 1 : 1;
  const title = `${report.workflow} is failing`;
  const body = [
    `<!-- lockstep:failure workflow=${report.workflow} failures=${failures} -->`,
    `\`${report.workflow}\` failed${report.ref ? ` on \`${report.ref}\`` : ""}: ${failures === 1 ? "once" : `${failures} times`} since this issue opened.`,
    "",
    report.runUrl ? `Latest failed run: ${report.runUrl}` : "",
    report.details ? `\n${report.details.trim()}` : "",
    "",
    "Close this issue once the workflow passes again.",
  ]
    .join("\n")
    .trim();
  if (existing) {
    const updated = await github.updateIssue(existing.number, { title, body });
    return { action: "updated", number: updated.number, url: updated.html_url, failures };
  }
  const created = await github.createIssue({ title, body, labels: [label] });
  return { action: "opened", number: created.number, url: created.html_url, failures };
}
