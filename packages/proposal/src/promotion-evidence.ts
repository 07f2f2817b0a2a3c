import { formatSoak } from "@lockstep/deploy";
import { wrapSection } from "@lockstep/github";
import type { PinSoak } from "./pin-soak.js";
import { REPLAY_SECTION } from "./pull-request.js";

/*
 * What the source environment saw of the pin a promotion copies: how long it served, how many
 * requests and errors, the latest monitor report and the shadow replay against the target's pin.
 * Each part may be missing; the section then says why, and the pull request still opens (verify's
 * promotion check is what enforces promotionRequires).
 */

/** Requests and 5xx answers the source's pods of this artifact served. */
export interface ServedTraffic {
  /** prometheus: counted since the pin was merged; monitor report: the predictions in the report's window. */
  source: "prometheus" | "monitor report";
  requests: number;
  /** 5xx over requests; undefined when the source cannot tell (a monitor report counts answers only). */
  errorRatio?: number;
  /** What the count covers, for people: "since the pin was merged", "2026-12-06 18:17 – 2026-12-07 00:17 UTC". */
  window: string;
}

/** The latest monitor report's summary (PublishedReport of @lockstep/monitor, the fields shown). */
export interface ReportSummary {
  key: string;
  status: "healthy" | "drift" | "degraded";
  records: number;
  from?: string;
  to?: string;
  driftShare: number;
  drifted: string[];
  realised?: { metric: string; value: number; degraded: boolean };
}

export interface PromotionEvidence {
  from: string;
  to: string;
  sha256: string;
  soak?: PinSoak;
  traffic?: ServedTraffic;
  /** Why there is no traffic figure. */
  trafficNote?: string;
  report?: ReportSummary;
  /** Why there is no report of this pin (none published, malformed, another artifact's). */
  reportNote?: string;
  /** The shadow replay section (Markdown, @lockstep/replay's), or why it did not run. */
  replay?: string;
  /** The target environment's promotionRequires, and whether this evidence meets them. */
  requirements?: { minSoak?: string; minSoakMs?: number; healthyReport?: boolean };
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const utc = (iso: string | Date) => {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  return Number.isNaN(d.getTime()) ? "?" : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
};

const percent = (ratio: number) => `${Number((ratio * 100).toPrecision(3))}%`;

function soakCell(e: PromotionEvidence): string {
  if (!e.soak) return `⚠️ ${e.from} never pinned this artifact on the base branch`;
  const s = e.soak;
  const held = s.until ? `, until ${utc(s.until)} (no longer ${e.from}'s pin)` : "";
  return `${s.truncated ? "at least " : ""}${formatSoak(s.ms)}: pinned since ${utc(s.since)} (\`${s.commit.slice(0, 12)}\`)${held}`;
}

function reportCell(e: PromotionEvidence): string {
  const r = e.report;
  if (!r) return `⚠️ ${cell(e.reportNote ?? "no monitor report")}`;
  const mark = r.status === "healthy" ? "✅" : "❌";
  const window = r.from && r.to ? `, ${utc(r.from)} – ${utc(r.to)}` : "";
  const drifted =
    r.drifted.length > 0 ? `; drifted: ${r.drifted.map((c) => `\`${cell(c)}\``).join(", ")}` : "";
  const realised = r.realised
    ? `; realised ${cell(r.realised.metric)} ${Number(r.realised.value.toPrecision(4))}${r.realised.degraded ? " (degraded)" : ""}`
    : "";
  return `${mark} ${r.status}: ${r.records.toLocaleString("en")} predictions${window}, drift share ${Number(r.driftShare.toFixed(3))}${drifted}${realised} (\`${cell(r.key)}\`)`;
}

function requirementCells(e: PromotionEvidence): string[] {
  const q = e.requirements;
  if (!q || (q.minSoak === undefined && !q.healthyReport)) return [];
  const parts: string[] = [];
  if (q.minSoak !== undefined && q.minSoakMs !== undefined) {
    const ok = e.soak !== undefined && e.soak.ms >= q.minSoakMs;
    parts.push(`${ok ? "✅" : "❌"} served ≥ ${cell(q.minSoak)}`);
  }
  if (q.healthyReport)
    parts.push(`${e.report?.status === "healthy" ? "✅" : "❌"} a healthy latest report of this pin`);
  return [`| ${e.to} requires (verify checks) | ${parts.join("; ")} |`];
}

/** The promotion pull request's "### Evidence from <from>" section. */
export function evidenceSection(e: PromotionEvidence): string {
  const t = e.traffic;
  const rows = [
    "| | |",
    "| --- | --- |",
    `| served in ${e.from} | ${soakCell(e)} |`,
    t
      ? `| requests | ${t.requests.toLocaleString("en")} (${t.source}, ${cell(t.window)}) |`
      : `| requests | ⚠️ ${cell(e.trafficNote ?? "not measured")} |`,
    `| error ratio | ${t?.errorRatio !== undefined ? `${percent(t.errorRatio)} answered 5xx` : t?.source === "monitor report" ? "not measured (the prediction log holds answers only: set a Prometheus URL)" : "—"} |`,
    `| latest monitor report | ${reportCell(e)} |`,
    ...requirementCells(e),
  ];
  // the replay in the section verify-models' replay job rewrites: one replay in the body, not two
  return [
    `### Evidence from \`${e.from}\``,
    rows.join("\n"),
    ...(e.replay ? [wrapSection(REPLAY_SECTION, e.replay)] : []),
  ].join("\n\n");
}
