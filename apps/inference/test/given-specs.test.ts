import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bumpPin, emptyLock, type LockFile } from "@lockstep/lockfile";
import type { ServableSpec } from "@lockstep/models";
import { cardMetadata, GraphBuilder, type ModelCard } from "@lockstep/onnx";
import { sha256Hex } from "@lockstep/store";
import { configWith, routeTable, type InferenceServer } from "../src/index.js";
import { startServer } from "./fixture.js";

// a model the server has never heard of, as a short spec: its schema, decode, encode, a golden
// input and its settings; no cast, no training
const doubler: ServableSpec<undefined> = {
  name: "doubler",
  description: "y = 2x",
  serving: {
    schema: {
      request: {
        type: "object",
        additionalProperties: false,
        required: ["x"],
        properties: { x: { type: "array", items: { type: "number" }, minItems: 2, maxItems: 2 } },
      },
      response: { type: "object", properties: { y: { type: "array", items: { type: "number" } } } },
    },
    decode: (body) => ({
      feeds: { x: { type: "float32", data: Float32Array.from((body as { x: number[] }).x), dims: [1, 2] } },
      context: undefined,
    }),
    encode: (outputs) => ({ y: Array.from(outputs.y!.data) }),
    golden: [{ x: [1, 2] }],
    settings: { batching: { enabled: false } },
  },
};

/** The doubler's ONNX with its card, in dir's file store, pinned for staging (as `npm start` pins). */
async function pinned(dir: string, lock: LockFile, name: string): Promise<LockFile> {
  const card: ModelCard = {
    cardVersion: 1,
    name,
    task: "regression",
    description: "y = 2x",
    inputs: [{ name: "x", type: "float32", shape: ["batch", 2] }],
    outputs: [{ name: "y", type: "float32", shape: ["batch", 2] }],
    params: {},
    seed: 0,
    metrics: {},
    evaluation: { protocol: "none" },
    data: { source: "none", sha256: "0".repeat(64), rows: 0 },
    trainer: { name: "test", version: "1" },
  };
  const g = new GraphBuilder(name);
  const x = g.input({ name: "x", type: "float32", shape: ["batch", 2] });
  const two = g.initializer({ type: "float32", dims: [], values: [2] });
  g.output({ name: "y", type: "float32", shape: ["batch", 2] }, g.op("Mul", [x, two]));
  const bytes = g.build({ metadata: cardMetadata(card) });
  const sha256 = sha256Hex(bytes);
  await mkdir(join(dir, ".lockstep/store/sha256"), { recursive: true });
  await writeFile(join(dir, ".lockstep/store/sha256", sha256), bytes);
  const pin = {
    version: "1",
    sha256,
    bytes: bytes.length,
    uri: `file://.lockstep/store/sha256/${sha256}`,
    metrics: { mae: 0 },
    evaluation: { protocol: "none", dataset: "none", datasetSha256: "0".repeat(64) },
    trainedAt: "2026-12-04T00:00:00Z",
    source: {},
  };
  return bumpPin(lock, name, "staging", pin, { metric: "mae", goal: "minimize", minImprovement: 0 });
}

let url: string;
let server: InferenceServer;
let close: () => Promise<void>;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "lockstep-given-specs-"));
  const lock = await pinned(dir, await pinned(dir, emptyLock(), "doubler"), "stranger");
  const started = await startServer(lock, dir, { specs: { doubler } });
  ({ url, server } = started);
  close = () => started.server.close();
  await started.waitReady();
});
afterAll(() => close());

describe("a server given its specs", () => {
  it("serves a model it knows only from the spec it was given, on /v1 and /v2", async () => {
    const v1 = await fetch(`${url}/v1/models/doubler/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ x: [1.5, -2] }),
    });
    expect(v1.status).toBe(200);
    expect(await v1.json()).toMatchObject({ model: "doubler", version: "1", y: [3, -4] });
    const v2 = await fetch(`${url}/v2/models/doubler/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [1, 2], data: [1, 2] }] }),
    });
    expect(v2.status).toBe(200);
    expect(await v2.json()).toMatchObject({ model_name: "doubler", outputs: [{ name: "y", data: [2, 4] }] });
    const card = (await (await fetch(`${url}/v1/models/doubler`)).json()) as Record<string, unknown>;
    expect(card).toMatchObject({ name: "doubler", state: "ready", examples: [{ x: [1, 2] }] });
  });

  it("validates a request against the spec's own schema, the one /openapi.json shows", async () => {
    const send = async (body: unknown) => {
      const response = await fetch(`${url}/v1/models/doubler/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return [response.status, ((await response.json()) as { error: string }).error];
    };
    expect(await send({ x: [1] })).toEqual([400, '"x" must hold at least 2 items, got 1']);
    expect(await send({ x: [1, "2"] })).toEqual([400, '"x[1]" must be a number']);
    expect(await send({ x: [1, 2], z: 1 })).toEqual([400, 'unknown field "z" (known: x)']);
    expect(await send({})).toEqual([400, 'missing field "x"']);
    expect(await send([1, 2])).toEqual([400, "the request must be an object"]);
    const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, unknown> };
    };
    expect(openapi.components.schemas.doubler_request).toEqual(doubler.serving.schema.request);
  });

  it("keeps a pinned model it has no spec for unready, saying why, and leaves it out of the OpenAPI", async () => {
    const ready = (await (await fetch(`${url}/readyz`)).json()) as {
      models: { name: string; state: string }[];
    };
    expect(ready.models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "doubler", state: "ready" }),
        expect.objectContaining({
          name: "stranger",
          state: "failed",
          error: { code: "MODEL_UNKNOWN", message: 'unknown model "stranger" (known: doubler)' },
        }),
      ]),
    );
    const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain("/v1/models/doubler/predict");
    expect(Object.keys(openapi.paths)).not.toContain("/v1/models/stranger/predict");
    expect(JSON.stringify(openapi)).not.toMatch(/co2-forecast|btc-signal|fish-classifier/);
  });

  it("documents every route of the table in /openapi.json, and serves every operation it documents", async () => {
    const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(openapi.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const table = routeTable({
      registry: server.registry,
      metrics: server.metrics,
      accepting: () => true,
      config: configWith(),
    });
    const expected = table.map(
      (r) =>
        `${r.method} ${r.path.replace(":name", "perModel" in r.doc ? "doubler" : "{name}").replace(/:(\w+)/g, "{$1}")}`,
    );
    expect(documented.sort()).toEqual(expected.sort());
    expect(documented.length).toBeGreaterThan(15);
    for (const operation of documented) {
      const [method, path] = operation.split(" ") as [string, string];
      const concrete = path
        .replace("{name}", "doubler")
        .replace("{version}", "1")
        .replace("{id}", "20260101T000000000Z-000000");
      const body = concrete.endsWith("/infer")
        ? { inputs: [{ name: "x", datatype: "FP32", shape: [1, 2], data: [1, 2] }] }
        : { x: [1, 2] };
      const response = await fetch(`${url}${concrete}`, {
        method,
        ...(method === "POST"
          ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
          : {}),
      });
      if (concrete.includes("/runs/")) {
        // no run was recorded for this model: the report route answers its documented 404
        expect([response.status, ((await response.json()) as { code: string }).code], operation).toEqual([
          404,
          "RUN_NOT_FOUND",
        ]);
        continue;
      }
      // readiness is 503 here (a pinned model has no spec); everything else answers
      expect(response.status, operation).toBeLessThan(response.url.includes("ready") ? 504 : 300);
    }
    expect((await fetch(`${url}/v1/nothing`)).status).toBe(404);
  });
});
