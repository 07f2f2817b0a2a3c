import { arch, platform } from "node:os";
import { METRIC, PHASE, type RunKind, type RunSnapshot } from "./record.js";
import type { RunInput } from "./write.js";

/** What a training path knows when it ends (a Candidate or a re-run), structurally. */
export interface TrainingFacts {
  model: string;
  kind: RunKind;
  environment?: string;
  card: {
    params: Record<string, unknown>;
    chosen?: Record<string, unknown>;
    seed?: number;
    trainer?: { name: string; version: string };
    data: { source: string; sha256: string; rows?: number };
  };
  metrics: Record<string, number>;
  /** The trainer's own phase timings (seconds). */
  timings?: Record<string, number>;
  /** Seconds the whole training path took, from loading data to storing. */
  seconds?: number;
  artifact: { sha256: string; bytes: number; uri?: string };
  gate: { metric: string; goal?: "minimize" | "maximize" };
  verdict?: { better: boolean; reason: string; candidate?: number; current?: number };
  /** The pin the verdict compared against. */
  against?: { version: string; sha256: string };
  source?: { commit?: string; runUrl?: string };
  report?: string;
  snapshot?: RunSnapshot;
}

/** Where the training ran: the Actions runner from its variables, or this machine's platform. */
export function runnerOf(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_ACTIONS === "true" || env.RUNNER_NAME) {
    const what = [env.RUNNER_OS, env.RUNNER_ARCH].filter(Boolean).join("/");
    return `${env.RUNNER_NAME ?? "GitHub Actions"}${what ? ` (${what})` : ""}`.slice(0, 256);
  }
  return `local (${platform()}/${arch()})`;
}

/** The commit and run URL from the training's source, or from the GitHub variables when it has none. */
function sourceOf(facts: TrainingFacts, env: NodeJS.ProcessEnv) {
  const commit =
    facts.source?.commit ?? (/^[0-9a-f]{40}$/.test(env.GITHUB_SHA ?? "") ? env.GITHUB_SHA : undefined);
  const runUrl =
    facts.source?.runUrl ??
    (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined);
  return { ...(commit ? { commit } : {}), ...(runUrl ? { runUrl } : {}), runner: runnerOf(env) };
}

/** The snapshot's reference only (what the snapshot call also reports, e.g. what it wrote, stays out). */
function snapshotOf(snapshot: RunSnapshot): RunSnapshot {
  if ("skipped" in snapshot) return { skipped: String(snapshot.skipped).slice(0, 2048) };
  const { sha256, uri, bytes, files } = snapshot;
  return { sha256, uri, bytes, ...(files !== undefined ? { files } : {}) };
}

const rounded = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** Finite numbers under names a record takes (a NaN metric or an odd phase name is left out, not fatal). */
const finite = (values: Record<string, number> | undefined, names: RegExp) =>
  Object.fromEntries(
    Object.entries(values ?? {}).filter(
      ([name, v]) => names.test(name) && typeof v === "number" && Number.isFinite(v),
    ),
  );

/** The record a training path writes, from what it knows. */
export function runInputFrom(facts: TrainingFacts, env: NodeJS.ProcessEnv = process.env): RunInput {
  const { card, verdict } = facts;
  const timings = {
    ...finite(facts.timings, PHASE),
    ...(facts.seconds !== undefined ? { total: rounded(facts.seconds) } : {}),
  };
  return {
    model: facts.model,
    kind: facts.kind,
    ...(facts.environment ? { environment: facts.environment } : {}),
    params: {
      asked: card.params,
      ...(card.chosen ? { chosen: card.chosen } : {}),
      ...(card.seed !== undefined ? { seed: card.seed } : {}),
    },
    metrics: finite(facts.metrics, METRIC),
    ...(Object.keys(timings).length > 0 ? { timings } : {}),
    data: {
      uri: card.data.source,
      sha256: card.data.sha256,
      ...(typeof card.data.rows === "number" ? { rows: card.data.rows } : {}),
      ...(facts.snapshot ? { snapshot: snapshotOf(facts.snapshot) } : {}),
    },
    source: sourceOf(facts, env),
    artifact: { sha256: facts.artifact.sha256, bytes: facts.artifact.bytes, uri: facts.artifact.uri ?? "" },
    ...(card.trainer ? { trainer: card.trainer } : {}),
    gate: {
      metric: facts.gate.metric,
      ...(facts.gate.goal ? { goal: facts.gate.goal } : {}),
      better: verdict?.better ?? false,
      reason: verdict?.reason ?? "not gated",
      ...(typeof verdict?.candidate === "number" && Number.isFinite(verdict.candidate)
        ? { candidate: verdict.candidate }
        : {}),
      ...(typeof verdict?.current === "number" && Number.isFinite(verdict.current)
        ? { current: verdict.current }
        : {}),
      ...(facts.against ? { against: { version: facts.against.version, sha256: facts.against.sha256 } } : {}),
    },
    ...(facts.report !== undefined ? { report: facts.report } : {}),
  };
}
