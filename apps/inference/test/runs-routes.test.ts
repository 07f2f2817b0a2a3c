import type { LockFile } from "@lockstep/lockfile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeModelRuns } from "../testing/runs.js";
import { startServer, trainedProject } from "./fixture.js";

let url: string;
let ids: { pinned: string; lost: string };
let close: () => Promise<void>;
let lock: LockFile;

beforeAll(async () => {
  const project = await trainedProject();
  lock = project.lock;
  ids = await writeModelRuns(project.dir, lock, "co2-forecast", 0.05);
  const started = await startServer(lock, project.dir);
  await started.waitReady();
  url = started.url;
  close = () => started.server.close();
}, 240_000);
afterAll(() => close?.());

interface Listing {
  model: string;
  current: string;
  gate: { metric: string; goal: string };
  total: number;
  truncated: boolean;
  skipped: number;
  runs: {
    id: string;
    pinnedIn: string[];
    current: boolean;
    better: boolean;
    metrics: Record<string, number>;
  }[];
}

describe("a model's runs over HTTP", () => {
  it("lists them newest first, the pinned run marked and the served one current, a malformed record skipped", async () => {
    const response = await fetch(`${url}/v1/models/co2-forecast/runs`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Listing;
    const pin = lock.models["co2-forecast"]!.pins.staging!;
    expect(body).toMatchObject({
      model: "co2-forecast",
      current: pin.sha256,
      total: 2,
      truncated: false,
      skipped: 1,
    });
    expect(body.gate).toEqual({ metric: lock.models["co2-forecast"]!.gate.metric, goal: "minimize" });
    expect(body.runs.map((r) => [r.id, r.pinnedIn, r.current, r.better])).toEqual([
      [ids.lost, [], false, false],
      [ids.pinned, ["staging"], true, true],
    ]);
    const limited = (await (await fetch(`${url}/v1/models/co2-forecast/runs?limit=1`)).json()) as Listing;
    expect(limited.runs.map((r) => r.id)).toEqual([ids.lost]);
    expect(limited).toMatchObject({ total: 2, truncated: true });
  });

  it("answers a run's report as Markdown that a browser will not run", async () => {
    const response = await fetch(`${url}/v1/models/co2-forecast/runs/${ids.lost}/report`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toMatch(/sandbox/);
    expect(await response.text()).toMatch(/^# co2-forecast \(lost\)/);
  });

  it.each([
    ["a limit of 0", "/v1/models/co2-forecast/runs?limit=0", 400, "RUNS_BAD_LIMIT"],
    ["a huge limit", "/v1/models/co2-forecast/runs?limit=99999999999", 400, "RUNS_BAD_LIMIT"],
    ["a limit that is not a number", "/v1/models/co2-forecast/runs?limit=1e3", 400, "RUNS_BAD_LIMIT"],
    ["two limits", "/v1/models/co2-forecast/runs?limit=1&limit=2", 400, "RUNS_BAD_LIMIT"],
    ["a model not served", "/v1/models/nope/runs", 404, "MODEL_NOT_FOUND"],
    ["a traversing id", "/v1/models/co2-forecast/runs/..%2F..%2Fsecret/report", 400, "RUN_ID_INVALID"],
    [
      "an id that is not one",
      `/v1/models/co2-forecast/runs/${"x".repeat(5000)}/report`,
      400,
      "RUN_ID_INVALID",
    ],
    [
      "a run that is not there",
      "/v1/models/co2-forecast/runs/20200101T000000000Z-000000/report",
      404,
      "RUN_NOT_FOUND",
    ],
    [
      "a malformed record",
      "/v1/models/co2-forecast/runs/20200101T000000000Z-abcdef/report",
      502,
      "RUN_RECORD_INVALID",
    ],
  ])("refuses %s", async (_, path, status, code) => {
    const response = await fetch(`${url}${path}`);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { code: string }).code).toBe(code);
  });
});
