import { wrapSection } from "@lockstep/github";
import type { PairedVerdict, Pin } from "@lockstep/lockfile";
import type { CandidateFile } from "./candidate.js";
import { higherIsBetter } from "./metric-direction.js";

/** GitHub refuses pull request bodies longer than this many characters. */
export const MAX_BODY_CHARS = 65_536;
export const PROPOSAL_LABEL = "model-bump";
/** The body section the shadow replay sits in: propose writes it, verify-models' replay job rewrites it. */
export const REPLAY_SECTION = "replay";

export interface ProposalInput {
  candidate: CandidateFile;
  /** The pin the base branch's lock holds for the model and environment, if any. */
  current?: Pin;
  verdict: PairedVerdict;
  /** The workflow run that trained the candidate. */
  runUrl?: string;
  /** The training report (Markdown), shown folded at the end of the body. */
  report?: string;
  /** The rendered manifests the commit changes, and the candidate's preview while the PR is open. */
  deployment?: { manifests: string[]; preview?: string };
  /** The shadow replay's section (Markdown, `lockstep replay`'s), when a replay sample is configured. */
  replay?: string;
  /** The gate metric over the model's recent runs (Markdown with a small SVG), when the store has runs. */
  trend?: string;
}

export interface PullRequestDraft {
  branch: string;
  title: string;
  body: string;
  labels: string[];
}

/** One branch per model and environment: a new candidate updates the open pull request in place. */
export const proposalBranch = (model: string, environment: string) => `lockstep/${model}/${environment}`;

/** The first line of every proposal body: says which model and environment the PR is about. */
export const proposalMarker = (model: string, environment: string) =>
  `<!-- lockstep-proposal model="${model}" environment="${environment}" -->`;

export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6)
    ? value.toExponential(3)
    : String(Number(value.toPrecision(4)));
}

function formatDelta(delta: number | undefined, before: number | undefined): string {
  if (delta === undefined) return "—";
  const sign = delta > 0 ? "+" : delta < 0 ? "−" : "±";
  const relative =
    before !== undefined && before !== 0
      ? ` (${sign}${formatNumber(Math.abs((100 * delta) / before))}%)`
      : "";
  return `${sign}${formatNumber(Math.abs(delta))}${relative}`;
}

function judgement(
  metric: string,
  delta: number | undefined,
  input: ProposalInput,
): "better" | "worse" | "same" | "" {
  if (delta === undefined) return "";
  if (delta === 0) return "same";
  const gate = input.candidate.gate;
  const higher = metric === gate.metric ? gate.goal === "maximize" : higherIsBetter(metric);
  if (higher === undefined) return "";
  return delta > 0 === higher ? "better" : "worse";
}

/** JSON with two-space indentation, but arrays of plain values kept on one line. */
export function compactJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\s*\n([^[\]{}]*?)\n\s*\]/g,
    (_, items: string) =>
      `[${items
        .split("\n")
        .map((line) => line.trim())
        .join(" ")}]`,
  );
}

/** Escapes text for a Markdown table cell. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** A fenced block that no backtick run inside `text` can close early. */
function fenced(text: string, language = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

export function metricsTable(input: ProposalInput): string {
  const { candidate, current } = input;
  const names = [
    ...new Set([...Object.keys(candidate.pin.metrics), ...Object.keys(current?.metrics ?? {})]),
  ].sort((a, b) => (a === candidate.gate.metric ? -1 : b === candidate.gate.metric ? 1 : a.localeCompare(b)));
  const head = current ? `current (v${current.version})` : "current";
  const rows = names.map((name) => {
    const before = current?.metrics[name];
    const after = candidate.pin.metrics[name];
    const delta = before !== undefined && after !== undefined ? after - before : undefined;
    const verdict = judgement(name, delta, input);
    const mark = { better: "✅ better", worse: "⚠️ worse", same: "same", "": "" }[verdict];
    const label = name === candidate.gate.metric ? `**${cell(name)}** (gate)` : cell(name);
    return `| ${label} | ${formatNumber(before)} | ${formatNumber(after)} | ${formatDelta(delta, before)} | ${mark} |`;
  });
  return [`| metric | ${head} | candidate | Δ | |`, "| --- | ---: | ---: | ---: | --- |", ...rows].join("\n");
}

/** The paired gate's folds: the pin's and the candidate's value on each, and the gain. */
export function foldsSection(input: ProposalInput): string[] {
  const { verdict, candidate, current } = input;
  const metric = candidate.gate.metric;
  if (verdict.unpaired) return [`Per-fold comparison: not paired (${cell(verdict.unpaired)}).`];
  const paired = verdict.paired;
  const before = current?.evaluation.folds?.[metric];
  const after = candidate.pin.evaluation.folds?.[metric];
  if (!paired || !before || !after) return [];
  const rows = paired.gains.map(
    (gain, i) =>
      `| ${i + 1} | ${formatNumber(before[i])} | ${formatNumber(after[i])} | ${formatDelta(gain, undefined)} |`,
  );
  return [
    "### Per fold",
    [
      `The gate compares candidate and pin fold by fold (both evaluated on the same folds): the mean gain must clear ${formatNumber(paired.minStandardErrors)} standard errors of that mean.`,
      "",
      `| fold | current ${cell(metric)} | candidate | gain |`,
      "| ---: | ---: | ---: | ---: |",
      ...rows,
      `| mean | | | ${formatDelta(paired.mean, undefined)} (standard error ${formatNumber(paired.standardError)}) |`,
    ].join("\n"),
  ];
}

function deploymentSection(deployment: ProposalInput["deployment"]): string[] {
  if (!deployment) return [];
  const files = deployment.manifests.map((p) => `- \`${cell(p)}\``).join("\n");
  return [
    "### Deployment",
    [
      deployment.manifests.length > 0
        ? `Rendered manifests this pull request changes (what Argo CD applies on merge):\n\n${files}`
        : "No rendered manifest changes.",
      ...(deployment.preview
        ? [
            `Preview (Argo CD deploys the candidate in its own namespace while this pull request is open): ${deployment.preview}`,
          ]
        : []),
    ].join("\n\n"),
  ];
}

/** Title, branch, labels and body of the pull request that proposes a candidate. */
export function renderPullRequest(input: ProposalInput): PullRequestDraft {
  const { candidate, current, verdict } = input;
  const { model, environment, pin, gate } = candidate;
  const arrow = current ? `v${current.version} → v${pin.version}` : `first pin, v${pin.version}`;
  const change =
    verdict.current === undefined
      ? formatNumber(verdict.candidate)
      : `${formatNumber(verdict.current)} → ${formatNumber(verdict.candidate)}`;
  const title = `${model} (${environment}): ${arrow}, ${gate.metric} ${change}`;
  const direction = gate.goal === "maximize" ? "higher" : "lower";
  const timings = Object.entries(candidate.timings ?? {})
    .map(([phase, seconds]) => `${phase} ${formatNumber(seconds)} s`)
    .join(", ");
  const sections = [
    proposalMarker(model, environment),
    `## ${model} → version ${pin.version} in \`${environment}\``,
    `${verdict.better ? "✅ **The gate passes.**" : "❌ **The gate does not pass.**"} ${verdict.reason}. ` +
      `Gate: \`${gate.metric}\` must be ${direction} by more than ${formatNumber(gate.minImprovement)}` +
      (gate.minStandardErrors === undefined
        ? "."
        : `, and its mean gain over the folds beyond ${formatNumber(gate.minStandardErrors)} standard errors.`),
    ...(candidate.headline?.length
      ? ["### At a glance", candidate.headline.map((line) => `- ${cell(line)}`).join("\n")]
      : []),
    "### Metrics",
    metricsTable(input),
    ...foldsSection(input),
    `Evaluation: ${cell(pin.evaluation.protocol)}${current && current.evaluation.datasetSha256 !== pin.evaluation.datasetSha256 ? "\n\n⚠️ The current pin was evaluated on different data (evaluation dataset sha256 differs): compare with care." : ""}`,
    ...(input.trend ? [input.trend.trim()] : []),
    "### Candidate",
    [
      "| | |",
      "| --- | --- |",
      `| artifact | \`${cell(pin.uri)}\` |`,
      `| sha256 | \`${pin.sha256}\` |`,
      `| size | ${pin.bytes} bytes |`,
      `| training data | \`${cell(candidate.data.source)}\`, ${candidate.data.rows} rows, sha256 \`${candidate.data.sha256.slice(0, 16)}…\` |`,
      `| evaluation data | sha256 \`${pin.evaluation.datasetSha256.slice(0, 16)}…\` |`,
      `| seed | ${candidate.seed} |`,
      `| trainer | ${cell(candidate.trainer.name)} ${cell(candidate.trainer.version)} |`,
      `| trained at | ${pin.trainedAt} |`,
      ...(timings ? [`| timings | ${timings} |`] : []),
      ...(pin.source.commit ? [`| commit | ${pin.source.commit} |`] : []),
      ...(input.runUrl ? [`| run | ${input.runUrl} |`] : []),
    ].join("\n"),
    ...(input.replay ? [wrapSection(REPLAY_SECTION, input.replay)] : []),
    ...deploymentSection(input.deployment),
    `<details><summary>Parameters</summary>\n\n${fenced(compactJson(candidate.params), "json")}\n\n</details>`,
  ];
  const footer =
    "\n\n---\nProposed by Lockstep. Merging rolls this artifact out; a newer winning candidate updates this pull request in place.";
  let body = sections.join("\n\n");
  if (input.report) {
    const room = MAX_BODY_CHARS - body.length - footer.length - 200;
    const report =
      input.report.length <= room
        ? input.report
        : `${input.report.slice(0, Math.max(0, room))}\n\n… (the report is cut here: the full report is in the run's artifacts)`;
    body += `\n\n<details><summary>Training report</summary>\n\n${report}\n\n</details>`;
  }
  body += footer;
  return { branch: proposalBranch(model, environment), title, body, labels: [PROPOSAL_LABEL, model] };
}
