import type { Pin } from "@lockstep/lockfile";
import { listRuns, readRun, reportKey, RunsError, type RunSummary } from "@lockstep/runs";
import { openStore, parseArtifactUri, type OpenStoreOptions } from "@lockstep/store";
import { HttpError } from "./errors.js";
import type { ModelRegistry } from "./model-registry.js";
import { requireStatus } from "./require-model.js";
import { ERRORS, json } from "./route-table/docs.js";
import type { ControlRoute } from "./route-table/route.js";

/** Newest runs a listing answers with by default, and at most (`?limit=`). */
export const RUNS_DEFAULT_LIMIT = 500;
export const RUNS_MAX_LIMIT = 5000;

export interface RunsRouteOptions {
  registry: ModelRegistry;
  storeOptions?: OpenStoreOptions;
}

/** A run as the page lists it: its summary, the environments pinning its artifact, and whether this server serves it. */
export interface ListedRun extends RunSummary {
  pinnedIn: string[];
  current: boolean;
}

const SERVED_PIN_DOC = "the served pin's store (runs are kept beside the artifacts)";

/** The store a model's runs are in: the one its served pin's artifact is in. */
function storeOf(registry: ModelRegistry, name: string, options: RunsRouteOptions) {
  const status = requireStatus(registry, name);
  const pins = registry.pinsOfModel(name);
  const served = Object.values(pins).find((pin) => pin.sha256 === status.sha256);
  if (!served) throw new HttpError(404, "RUNS_NO_STORE", `model "${name}" has no pin to find its runs by`);
  return { store: openStore(parseArtifactUri(served.uri).storeUri, options.storeOptions), pins, status };
}

function limitOf(raw: unknown): number {
  if (raw === undefined) return RUNS_DEFAULT_LIMIT;
  if (typeof raw !== "string" || !/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > RUNS_MAX_LIMIT)
    throw new HttpError(400, "RUNS_BAD_LIMIT", `limit must be a whole number from 1 to ${RUNS_MAX_LIMIT}`);
  return Number(raw);
}

/** The store's answer as an HTTP error: a bad id is the client's, a store that fails is 502. */
function storeFailure(error: unknown): never {
  if (error instanceof HttpError) throw error;
  if (error instanceof RunsError) {
    if (error.code === "RUN_NOT_FOUND") throw new HttpError(404, error.code, error.message);
    if (error.code === "RUN_ID_INVALID" || error.code === "RUN_MODEL_INVALID")
      throw new HttpError(400, error.code, error.message);
    throw new HttpError(502, error.code, error.message);
  }
  throw new HttpError(502, "RUNS_STORE_FAILED", `the run store failed: ${(error as Error).message}`);
}

function listed(run: RunSummary, pins: Record<string, Pin>, servedSha: string | undefined): ListedRun {
  const pinnedIn = Object.entries(pins)
    .filter(([, pin]) => pin.sha256 === run.sha256)
    .map(([environment]) => environment);
  return { ...run, pinnedIn, current: run.sha256 === servedSha };
}

/** GET a model's runs (newest first, pinned runs marked) and one run's report, from the served pin's store. */
export function runsRoutes(options: RunsRouteOptions): ControlRoute[] {
  const { registry } = options;
  return [
    {
      method: "GET",
      path: "/v1/models/:name/runs",
      doc: {
        summary: `A model's training runs, newest first, from ${SERVED_PIN_DOC}; ?limit= (1–${RUNS_MAX_LIMIT}, default ${RUNS_DEFAULT_LIMIT})`,
        responses: {
          "200": {
            description: "the runs, each marked with the environments pinning its artifact",
            content: json({ type: "object" }),
          },
          "400": ERRORS["400"],
          "404": ERRORS["404"],
          "502": { description: "the run store could not be read" },
        },
      },
      handle: async (ctx) => {
        const name = ctx.params.name!;
        const limit = limitOf(ctx.query.limit);
        const { store, pins, status } = storeOf(registry, name, options);
        const listing = await listRuns(store, { model: name, repair: false }).catch(storeFailure);
        const runs = [...listing.runs].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        const gate = registry.gateOf(name);
        ctx.set("Cache-Control", "no-store");
        ctx.body = {
          model: name,
          current: status.sha256,
          ...(gate ? { gate: { metric: gate.metric, goal: gate.goal } } : {}),
          total: runs.length,
          truncated: runs.length > limit,
          skipped: listing.skipped.length,
          runs: runs.slice(0, limit).map((run) => listed(run, pins, status.sha256)),
        };
      },
    },
    {
      method: "GET",
      path: "/v1/models/:name/runs/:id/report",
      doc: {
        summary: "One run's report (Markdown, as training wrote it)",
        responses: {
          "200": { description: "the report", content: { "text/markdown; charset=utf-8": {} } },
          "400": ERRORS["400"],
          "404": ERRORS["404"],
          "502": { description: "the run store could not be read" },
        },
      },
      handle: async (ctx) => {
        const name = ctx.params.name!;
        const { store } = storeOf(registry, name, options);
        const record = await readRun(store, name, ctx.params.id!).catch(storeFailure);
        let markdown = record.report?.markdown;
        if (markdown === undefined && record.report?.uri) {
          // a large report is stored beside its record, under its own key (never a URI read back)
          const bytes = await store
            .getNamed(reportKey(name, record.id), { maxBytes: 16 * 1024 * 1024 })
            .catch(storeFailure);
          markdown = bytes?.toString("utf8");
        }
        if (markdown === undefined)
          throw new HttpError(404, "RUN_REPORT_NOT_FOUND", `run ${name}/${record.id} has no report`);
        // shown as text: a report is never run as a page of this origin
        ctx.set({
          "Content-Security-Policy": "default-src 'none'; sandbox",
          "Cache-Control": "no-store",
        });
        ctx.type = "text/markdown; charset=utf-8";
        ctx.body = markdown;
      },
    },
  ];
}
