import type { GitHubClient } from "./client.js";

/** The state a drift issue carries in a hidden marker: which model and environment, and healthy runs since. */
export interface DriftMarker {
  model: string;
  environment: string;
  healthyRuns: number;
  /** When this drift last dispatched retraining (ISO time). */
  retrainedAt?: string;
}

const MARKER =
  /<!-- lockstep:drift model=([a-z0-9-]+) environment=([a-z0-9-]+) healthy=(\d+)(?: retrained=(\d{4}-\d\d-\d\dT[\d:.]+Z))? -->/;

export const driftMarker = (m: DriftMarker) =>
  `<!-- lockstep:drift model=${m.model} environment=${m.environment} healthy=${m.healthyRuns}${m.retrainedAt ? ` retrained=${m.retrainedAt}` : ""} -->`;

export function readDriftMarker(body: string | null | undefined): DriftMarker | undefined {
  const match = MARKER.exec(body ?? "");
  return match
    ? {
        model: match[1]!,
        environment: match[2]!,
        healthyRuns: Number(match[3]),
        ...(match[4] ? { retrainedAt: match[4] } : {}),
      }
    : undefined;
}

export interface DriftReport {
  model: string;
  environment: string;
  /** drift and degraded (the realised metric fell below the pin's) keep the issue open alike. */
  status: "healthy" | "drift" | "degraded";
  /** The Markdown summary of this run. */
  summary: string;
  /** Where the full report is (the run's artifacts). */
  runUrl?: string;
}

export interface DriftIssueOutcome {
  action: "opened" | "updated" | "closed" | "unchanged" | "none";
  issue?: { number: number; url: string };
  /** With `retrain`: whether this run may dispatch retraining (recorded in the marker), or when it may next. */
  retrain?: { due: true } | { due: false; after: string };
}

/**
 * One issue per model and environment while it drifts (label `drift`, found by its hidden marker,
 * never a duplicate, never a comment per run): a drifting run opens it or rewrites its body; a
 * healthy run counts up in the marker and closes it after `closeAfter` healthy runs in a row.
 */
export async function upsertDriftIssue(
  github: GitHubClient,
  report: DriftReport,
  options: {
    closeAfter?: number;
    label?: string;
    /** Retraining on drift, at most once per `cooldownMs` per model and environment (traffic shaped to drift cannot spin it). */
    retrain?: { cooldownMs: number; now?: Date };
  } = {},
): Promise<DriftIssueOutcome> {
  const label = options.label ?? "drift";
  const closeAfter = options.closeAfter ?? 3;
  // the oldest is the one; any other (made by hand, or by a race) is left for people to close
  const existing = await github.oldestOpenIssue(label, (body) => {
    const marker = readDriftMarker(body);
    return marker?.model === report.model && marker.environment === report.environment;
  });
  const title = `${report.status === "degraded" ? "Degraded" : "Drift"}: ${report.model} in ${report.environment}`;
  let retrain: DriftIssueOutcome["retrain"];
  // the last dispatch counts across issues: one closed after healthy runs still holds it
  const previous = options.retrain
    ? [existing, ...(await github.recentIssues(label))]
        .map((issue) => readDriftMarker(issue?.body))
        .filter((m) => m?.model === report.model && m.environment === report.environment && m.retrainedAt)
        .map((m) => m!.retrainedAt!)
        .sort()
        .at(-1)
    : readDriftMarker(existing?.body)?.retrainedAt;
  let retrainedAt = previous;
  if (options.retrain && report.status !== "healthy") {
    const now = options.retrain.now ?? new Date();
    const next = previous ? Date.parse(previous) + options.retrain.cooldownMs : -Infinity;
    if (now.getTime() >= next) {
      retrain = { due: true };
      retrainedAt = now.toISOString();
    } else retrain = { due: false, after: new Date(next).toISOString() };
  }
  const body = (healthyRuns: number, note: string) =>
    [
      driftMarker({
        model: report.model,
        environment: report.environment,
        healthyRuns,
        ...(retrainedAt ? { retrainedAt } : {}),
      }),
      note,
      "",
      report.summary.trim(),
      "",
      report.runUrl ? `Full report: the \`monitor\` artifact of [this run](${report.runUrl}).` : "",
    ]
      .join("\n")
      .trim();
  if (report.status !== "healthy") {
    const found = report.status === "drift" ? "drift" : "the realised metric worse than the pin allows";
    const text = body(
      0,
      `\`lockstep monitor\` found ${found} in the last run${report.runUrl ? ` ([run](${report.runUrl}))` : ""}. This issue closes itself after ${closeAfter} healthy runs in a row.`,
    );
    if (existing) {
      const updated = await github.updateIssue(existing.number, { title, body: text });
      return {
        action: "updated",
        issue: { number: updated.number, url: updated.html_url },
        ...(retrain ? { retrain } : {}),
      };
    }
    const created = await github.createIssue({ title, body: text, labels: [label] });
    return {
      action: "opened",
      issue: { number: created.number, url: created.html_url },
      ...(retrain ? { retrain } : {}),
    };
  }
  if (!existing) return { action: "none" };
  const healthy = (readDriftMarker(existing.body)?.healthyRuns ?? 0) + 1;
  if (healthy >= closeAfter) {
    const closed = await github.updateIssue(existing.number, {
      body: body(healthy, `Healthy for ${healthy} runs in a row: closed by \`lockstep monitor\`.`),
      state: "closed",
    });
    return { action: "closed", issue: { number: closed.number, url: closed.html_url } };
  }
  const kept = await github.updateIssue(existing.number, {
    body: body(healthy, `Healthy for ${healthy} of the ${closeAfter} runs in a row that close this issue.`),
  });
  return { action: "updated", issue: { number: kept.number, url: kept.html_url } };
}
