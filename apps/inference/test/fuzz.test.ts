import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LruCache } from "../src/index.js";
import {
  binaryRequest,
  bodyText,
  hostileValue,
  inferBody,
  rawHttpRequest,
  type ModelShape,
} from "../testing/hostile-requests.js";
import { fishPhoto, startServer, threeModelProject } from "./fixture.js";
import { rawRequest as sendRaw } from "../testing/raw-http.js";

// Property-based fuzzing of every endpoint against the running server, real onnxruntime and real
// sockets. Each property asserts for every case: an answer within the server's deadline; a 2xx, or
// a 4xx with {error, code} and no stack, never a 500 and never a 504 (a case the server could not
// answer in time is a failure, not a refusal); the server still live and ready.
// After the run, the heap is back within a bound. Seeded and bounded for `npm test`; `npm run fuzz` runs for
// minutes (FUZZ_SECONDS per property) with a fresh seed unless FUZZ_SEED is set.

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 0);
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? (SECONDS > 0 ? Date.now() % 2 ** 31 : 20261203));
// The server's own deadline answers every request by SERVER_TIMEOUT_MS: with a 504, which fails
// the case (one request at a time, no fuzz case may take that long). The client gives up far later
// only so that a hang fails the case instead of the whole run.
const SERVER_TIMEOUT_MS = 3_000;
const HANG_MS = 10 * SERVER_TIMEOUT_MS;
const settings: fc.Parameters<unknown> =
  SECONDS > 0
    ? {
        seed: SEED,
        numRuns: Number.MAX_SAFE_INTEGER,
        interruptAfterTimeLimit: SECONDS * 1000,
        markInterruptAsFailure: false,
      }
    : { seed: SEED, numRuns: RUNS };
const PROPERTY_TIMEOUT = SECONDS > 0 ? SECONDS * 1000 + 120_000 : 120_000;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

let url: string;
let close: () => Promise<void>;
let models: ModelShape[];
let heapBefore: number;
let cases = 0;

beforeAll(async () => {
  const { dir, lock } = await threeModelProject();
  const started = await startServer(lock, dir, {
    cacheBackend: new LruCache(10_000, 32 * 1024 * 1024),
    config: {
      cache: { ttlSeconds: 60 },
      bodyLimits: { json: 256 * 1024, image: 256 * 1024, binary: 1024 * 1024 },
      requestTimeoutMs: SERVER_TIMEOUT_MS,
      bodyTimeoutMs: 1_000,
    },
  });
  url = started.url;
  close = () => started.server.close();
  await started.waitReady();
  models = [];
  for (const name of started.server.registry.names()) {
    const meta = (await (await fetch(`${url}/v2/models/${name}`)).json()) as {
      versions: string[];
      inputs: ModelShape["inputs"];
      outputs: ModelShape["outputs"];
    };
    const described = (await (await fetch(`${url}/v1/models/${name}`)).json()) as { examples?: unknown[] };
    models.push({
      name,
      version: meta.versions[0]!,
      inputs: meta.inputs,
      outputs: meta.outputs,
      golden: (described.examples ?? []).filter((e) => !(e instanceof Uint8Array)),
    });
  }
  heapBefore = heapAfterGc();
}, 300_000);

afterAll(async () => {
  // a bound, not a timing: what the cache may hold plus slack for the runtime's own growth
  const grown = heapAfterGc() - heapBefore;
  console.log(
    `fuzz: ${cases} cases (seed ${SEED}), heap ${(grown / 2 ** 20).toFixed(1)} MiB above the start`,
  );
  expect(grown).toBeLessThan(96 * 1024 * 1024);
  await close();
});

/**
 * The answer's contract: a 2xx, or a well-formed refusal with no stack. A 503 (shed, not ready)
 * is a refusal; a 504 is a failure: the server held the case past its deadline. What must never
 * come is a 500, a 504 or any other 5xx.
 */
function failureOf(status: number, body: string): string | undefined {
  if (status === 504)
    return `answered 504: held past the server's ${SERVER_TIMEOUT_MS} ms deadline: ${body.slice(0, 300)}`;
  if (status >= 500 && status !== 503) return `answered ${status}: ${body.slice(0, 300)}`;
  return undefined;
}

async function check(response: { status: number; body: string; headers: Record<string, string | null> }) {
  cases++;
  const { status, body } = response;
  const failure = failureOf(status, body);
  if (failure) throw new Error(failure);
  if (status >= 400) {
    const parsed = JSON.parse(body) as { error?: unknown; code?: unknown };
    expect(typeof parsed.error).toBe("string");
    expect(typeof parsed.code).toBe("string");
    expect(body).not.toMatch(/\n\s+at |at .*\.[tj]s:\d+/);
    expect(body.length).toBeLessThan(4_096);
  }
}

const fetchChecked = async (path: string, init: RequestInit) => {
  const response = await fetch(`${url}${path}`, {
    ...init,
    signal: AbortSignal.timeout(HANG_MS),
  });
  const body = await response.text();
  await check({ status: response.status, body, headers: {} });
  return response.status;
};

async function stillServing() {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
}

const pick = () => fc.integer({ min: 0, max: 1_000 }).map((i) => models[i % models.length]!);

describe("fuzzing the running server", () => {
  it("counts a 504 as a failure, like a 500; a 503 is a refusal", () => {
    expect(failureOf(504, '{"error":"deadline","code":"TIMEOUT"}')).toMatch(/^answered 504: held past/);
    expect(failureOf(500, "{}")).toBe("answered 500: {}");
    expect(failureOf(502, "{}")).toBe("answered 502: {}");
    expect(failureOf(503, "{}")).toBeUndefined();
    expect(failureOf(422, "{}")).toBeUndefined();
    expect(failureOf(200, "{}")).toBeUndefined();
  });

  it(
    "answers any JSON body on every inference route",
    async () => {
      await fc.assert(
        fc.asyncProperty(pick(), fc.constantFrom("v1", "v2", "v2v"), bodyText, async (model, route, body) => {
          const path =
            route === "v1"
              ? `/v1/models/${model.name}/predict`
              : route === "v2"
                ? `/v2/models/${model.name}/infer`
                : `/v2/models/${model.name}/versions/${model.version}/infer`;
          await fetchChecked(path, { method: "POST", headers: { "content-type": "application/json" }, body });
        }),
        settings,
      );
      await stillServing();
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "answers Open Inference Protocol requests of any shape, datatype and data",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          pick().chain((model) => fc.tuple(fc.constant(model), inferBody(model))),
          async ([model, body]) => {
            await fetchChecked(`/v2/models/${model.name}/infer`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(body),
            });
          },
        ),
        settings,
      );
      await stillServing();
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "answers binary tensor requests with any framing",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          pick().chain((model) => fc.tuple(fc.constant(model), binaryRequest(model))),
          async ([model, { body, headerLength }]) => {
            await fetchChecked(`/v2/models/${model.name}/infer`, {
              method: "POST",
              headers: {
                "content-type": "application/octet-stream",
                ...(headerLength === "" ? {} : { "inference-header-content-length": headerLength }),
              },
              body,
            });
          },
        ),
        settings,
      );
      await stillServing();
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "answers the domain endpoints near their own requests",
    async () => {
      // the golden requests with parts replaced by hostile values
      await fc.assert(
        fc.asyncProperty(pick(), fc.nat(), hostileValue, fc.nat(), async (model, which, value, where) => {
          const golden = model.golden[which % Math.max(1, model.golden.length)] ?? {};
          const request = structuredClone(golden) as Record<string, unknown>;
          const keys = Object.keys(request);
          if (keys.length > 0 && typeof request === "object") request[keys[where % keys.length]!] = value;
          else if (Array.isArray(request)) (request as unknown[])[where % 10] = value;
          await fetchChecked(`/v1/models/${model.name}/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(request),
          });
        }),
        settings,
      );
      await stillServing();
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "answers images that are not quite images",
    async () => {
      const photo = fishPhoto(1, 99);
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: photo.length }),
          fc.uint8Array({ maxLength: 64 }),
          fc.constantFrom("image/png", "image/jpeg", "image/webp", "image/gif", "image/svg+xml"),
          async (at, junk, type) => {
            const body = Buffer.concat([photo.subarray(0, at), junk, photo.subarray(at + junk.length)]);
            await fetchChecked("/v1/models/fish-classifier/predict", {
              method: "POST",
              headers: { "content-type": type },
              body,
            });
          },
        ),
        settings,
      );
      await stillServing();
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "answers raw requests with any method, path, content type and framing",
    async () => {
      await fc.assert(
        fc.asyncProperty(rawHttpRequest(models), async ({ method, bytes }) => {
          const answer = await sendRaw(url, bytes, HANG_MS);
          if (method === "HEAD") {
            // an answer without a body, by definition
            cases++;
            expect(answer.status).toBeLessThan(500);
            return;
          }
          if (answer.headers["content-type"]?.startsWith("application/json") || answer.status >= 400) {
            await check({ status: answer.status, body: answer.body, headers: answer.headers });
          } else cases++;
        }),
        settings,
      );
      await stillServing();
    },
    PROPERTY_TIMEOUT,
  );
});
