import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LockFile } from "@lockstep/lockfile";
import { btc } from "@lockstep/models";
import { LruCache, type InferenceServer } from "../src/index.js";
import { fishPhoto, startServer, threeModelProject } from "./fixture.js";

let dir: string;
let lock: LockFile;
let url: string;
let close: () => Promise<void>;
let server: InferenceServer;

beforeAll(async () => {
  ({ dir, lock } = await threeModelProject());
  const started = await startServer(lock, dir, {
    cacheBackend: new LruCache(100),
    config: { cache: { ttlSeconds: 60 }, bodyLimits: { json: 64 * 1024, image: 32 * 1024 } },
  });
  url = started.url;
  server = started.server;
  close = () => started.server.close();
  await started.waitReady();
}, 240_000);
afterAll(() => close());

const post = (path: string, body: string | Uint8Array, type?: string) =>
  fetch(`${url}${path}`, { method: "POST", headers: type ? { "content-type": type } : {}, body });
const json = (path: string, body: unknown) => post(path, JSON.stringify(body), "application/json");

function multipart(
  parts: { name: string; filename?: string; type?: string; body: Buffer | string }[],
  boundary = "XyZ",
) {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ""}`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ""}\r\n`,
      ),
      Buffer.isBuffer(part.body) ? part.body : Buffer.from(part.body),
      Buffer.from("\r\n"),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

describe("domain endpoints of all three models", () => {
  it("runs a model as several sessions side by side when asked, its pipeline of runs in flight on each, answering as one session does", async () => {
    expect(server.registry.get("fish-classifier")!.session.size).toBe(1); // the spec's default
    const pooled = await startServer(lock, dir, { config: { instances: 2, intraOpThreads: 1 } });
    try {
      await pooled.waitReady();
      const fish = pooled.server.registry.get("fish-classifier")!;
      expect(fish.session.size).toBe(2);
      expect(fish.batcher.options.concurrency).toBe(2);
      // co2-forecast's spec hands each session a pipeline of 3 batches
      expect(server.registry.get("co2-forecast")!.batcher.options.concurrency).toBe(3);
      expect(pooled.server.registry.get("co2-forecast")!.batcher.options.concurrency).toBe(6);

      // photos all at once on the pooled server, then one by one on the one-session server
      const photos = Array.from({ length: 12 }, (_, i) => fishPhoto(i % 3, 1000 + i));
      const top3 = async (response: Response) => {
        expect(response.status).toBe(200);
        return ((await response.json()) as { top_3_predictions: unknown }).top_3_predictions;
      };
      const path = "/v1/models/fish-classifier/predict";
      const image = (photo: Buffer) => ({
        method: "POST",
        headers: { "content-type": "image/png" },
        body: photo,
      });
      const together = await Promise.all(
        photos.map(async (photo) => top3(await fetch(`${pooled.url}${path}`, image(photo)))),
      );
      expect(fish.session.load).toEqual([0, 0]);
      const alone = [];
      for (const photo of photos) alone.push(await top3(await fetch(`${url}${path}`, image(photo))));
      expect(together).toEqual(alone);
    } finally {
      await pooled.server.close();
    }
  });

  it("answers a fish photo sent raw, as multipart and as base64 JSON the same way", async () => {
    const photo = fishPhoto(0, 77);
    const form = multipart([
      { name: "note", body: "from a test" },
      { name: "image", filename: "fish.png", type: "image/png", body: photo },
    ]);
    const answers = [];
    for (const response of [
      await post("/v1/models/fish-classifier/predict", photo, "image/png"),
      await post("/v1/models/fish-classifier/predict", form.body, form.type),
      await json("/v1/models/fish-classifier/predict", { image: photo.toString("base64") }),
    ]) {
      expect(response.status).toBe(200);
      answers.push((await response.json()) as Record<string, unknown>);
    }
    for (const answer of answers) {
      expect(answer).toMatchObject({ model: "fish-classifier", version: "1", predicted_label: "species_0" });
      expect(answer.top_3_predictions).toHaveLength(3);
      expect(answer.sha256).toBe(lock.models["fish-classifier"]!.pins.staging!.sha256);
    }
    expect(answers[1]!.top_3_predictions).toEqual(answers[0]!.top_3_predictions);
  });

  it("gives a request's decoded inputs back to the spec once inference settles, also when it fails", async () => {
    const serving = server.registry.get("fish-classifier")!.spec.serving;
    const decode = serving.decode;
    const events: string[] = [];
    let broken = false;
    serving.decode = async (body, card) => {
      const decoded = await decode.call(serving, body, card);
      const image = decoded.feeds.image!;
      return {
        ...decoded,
        // zero rows: refused after decoding, before any session sees them
        feeds: broken ? { image: { ...image, dims: [0, ...image.dims.slice(1)] } } : decoded.feeds,
        release: () => {
          events.push("release");
          decoded.release?.();
        },
      };
    };
    try {
      const ok = await post("/v1/models/fish-classifier/predict", fishPhoto(1, 4242), "image/png");
      expect(ok.status).toBe(200);
      expect(events).toEqual(["release"]);
      broken = true;
      const refused = await post("/v1/models/fish-classifier/predict", fishPhoto(1, 4343), "image/png");
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { code: string }).code).toBe("BAD_TENSOR");
      expect(events).toEqual(["release", "release"]);
    } finally {
      serving.decode = decode;
    }
  });

  it("answers candles with a signal and class probabilities", async () => {
    const response = await json("/v1/models/btc-signal/predict", { candles: btc.syntheticCandles(200, 5) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { signal: string; probabilities: Record<string, number> };
    expect(["buy", "sell", "hold"]).toContain(body.signal);
    expect(Object.values(body.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it("describes each model with its examples, and each example succeeds", async () => {
    for (const name of ["co2-forecast", "btc-signal", "fish-classifier"]) {
      const model = (await (await fetch(`${url}/v1/models/${name}`)).json()) as {
        name: string;
        examples: unknown[];
        accepts: string[];
        state: string;
        headline: { metric: string; value: number; unit: string; text: string; baselines: unknown[] }[];
      };
      expect(model).toMatchObject({ name, state: "ready" });
      // the headline: the gate metric's line first for btc and co2, each line with its text
      expect(model.headline.length, name).toBeGreaterThan(0);
      for (const line of model.headline) expect(line.text).toMatch(/^[\w (),.-]+ -?[\d.]+%? vs /);
      expect(model.accepts).toContain("application/json");
      for (const example of model.examples) {
        expect((await json(`/v1/models/${name}/predict`, example)).status, name).toBe(200);
      }
    }
    expect((await fetch(`${url}/v1/models/nope`)).status).toBe(404);
  });
});

describe("request bodies and their limits", () => {
  it("refuses bodies beyond each content type's limit, wrong types and broken forms", async () => {
    const big = Buffer.alloc(40 * 1024, 1);
    const twoFiles = multipart([
      { name: "a", filename: "a.png", type: "image/png", body: fishPhoto(1, 1) },
      { name: "b", filename: "b.png", type: "image/png", body: fishPhoto(1, 2) },
    ]);
    const noFile = multipart([{ name: "note", body: "hello" }]);
    const bigFile = multipart([{ name: "image", filename: "a.png", type: "image/png", body: big }]);
    const cases: [Promise<Response>, number, string][] = [
      [post("/v1/models/fish-classifier/predict", big, "image/png"), 413, "BODY_TOO_LARGE"],
      [post("/v1/models/fish-classifier/predict", bigFile.body, bigFile.type), 413, "BODY_TOO_LARGE"],
      [post("/v1/models/fish-classifier/predict", twoFiles.body, twoFiles.type), 413, "BODY_TOO_LARGE"],
      [post("/v1/models/fish-classifier/predict", noFile.body, noFile.type), 400, "INVALID_MULTIPART"],
      [
        post("/v1/models/fish-classifier/predict", "--x\r\ngarbage", "multipart/form-data"),
        400,
        "INVALID_MULTIPART",
      ],
      [
        post("/v1/models/fish-classifier/predict", Buffer.from("not an image"), "image/png"),
        400,
        "REQUEST_INVALID",
      ],
      [post("/v1/models/fish-classifier/predict", Buffer.alloc(0), "image/jpeg"), 400, "REQUEST_INVALID"],
      [post("/v1/models/co2-forecast/predict", fishPhoto(0, 1), "image/png"), 415, "UNSUPPORTED_MEDIA_TYPE"],
      [
        post("/v1/models/co2-forecast/predict", "horizon=12", "application/x-www-form-urlencoded"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      ],
      [
        json("/v1/models/btc-signal/predict", { candles: btc.syntheticCandles(1000, 1) }),
        413,
        "BODY_TOO_LARGE",
      ],
      [json("/v1/models/btc-signal/predict", { candles: [] }), 400, "REQUEST_INVALID"],
      [json("/v1/models/btc-signal/predict", { candles: "many" }), 400, "REQUEST_INVALID"],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      const body = (await response.json()) as { error: string; code: string };
      expect({ status: response.status, code: body.code }).toEqual({ status, code });
      expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|node_modules/);
    }
  });

  it("refuses a decompression bomb: a small PNG that claims a huge canvas", async () => {
    const response = await post("/v1/models/fish-classifier/predict", bombPng(), "image/png");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/pixels/);
  });
});

/** A valid PNG header for a 100000 x 100000 image with almost no data. */
function bombPng(): Buffer {
  const png = fishPhoto(0, 1);
  const bomb = Buffer.from(png);
  bomb.writeUInt32BE(100_000, 16);
  bomb.writeUInt32BE(100_000, 20);
  return bomb;
}

interface InferAnswer {
  id: string;
  parameters: { cached: boolean };
  outputs: unknown[];
}

describe("response cache", () => {
  it("answers a repeated request from the cache, whatever the key order, and says so", async () => {
    const first = (await (await json("/v1/models/co2-forecast/predict", { horizon: 7 })).json()) as Record<
      string,
      unknown
    >;
    const forecastsServed = async () =>
      Number(
        /lockstep_forecast_value_ppm_count\{model="co2-forecast"\} (\d+)/.exec(
          await (await fetch(`${url}/metrics`)).text(),
        )?.[1],
      );
    const servedBefore = await forecastsServed();
    const again = (await (
      await post("/v1/models/co2-forecast/predict", '{ "horizon" : 7 }', "application/json")
    ).json()) as Record<string, unknown>;
    expect(await forecastsServed()).toBe(servedBefore + 7); // a cached answer is still served and counted
    expect(first.cached).toBe(false);
    expect(again.cached).toBe(true);
    // a hit is the same answer, field for field and in the same order, as the model's own
    const same = (a: Record<string, unknown>) => ({ ...a, cached: null, processing_time_ms: null });
    expect(same(again)).toEqual(same(first));
    expect(Object.keys(again)).toEqual(Object.keys(first));
    expect(Object.keys(first).slice(0, 3)).toEqual(["model", "version", "sha256"]);
    expect(Object.keys(first).slice(-2)).toEqual(["cached", "processing_time_ms"]);
    const other = (await (await json("/v1/models/co2-forecast/predict", { horizon: 8 })).json()) as Record<
      string,
      unknown
    >;
    expect(other.cached).toBe(false);
    const photo = fishPhoto(2, 5);
    await post("/v1/models/fish-classifier/predict", photo, "image/png");
    const cachedPhoto = (await (
      await post("/v1/models/fish-classifier/predict", photo, "image/png")
    ).json()) as Record<string, unknown>;
    expect(cachedPhoto.cached).toBe(true);
  });

  it("answers a byte-identical repeat without parsing its body again", async () => {
    const body = JSON.stringify({ candles: btc.syntheticCandles(150, 21) });
    const first = (await (await post("/v1/models/btc-signal/predict", body, "application/json")).json()) as {
      cached: boolean;
    };
    const parse = vi.spyOn(JSON, "parse");
    try {
      const text = await (await post("/v1/models/btc-signal/predict", body, "application/json")).text();
      const bodyParses = parse.mock.calls.filter(([t]) => typeof t === "string" && t.length >= body.length);
      expect(bodyParses).toHaveLength(0);
      parse.mockRestore();
      expect([first.cached, (JSON.parse(text) as { cached: boolean }).cached]).toEqual([false, true]);
    } finally {
      parse.mockRestore();
    }
  });

  it("refuses a malformed or too deep body every time, never from the cache", async () => {
    for (const [body, code] of [
      ['{"horizon": 7,}', "INVALID_JSON"],
      [`${"[".repeat(100)}${"]".repeat(100)}`, "BODY_TOO_DEEP"],
    ]) {
      for (let i = 0; i < 2; i++) {
        const response = await post("/v1/models/co2-forecast/predict", body!, "application/json");
        expect(response.status).toBe(400);
        expect(((await response.json()) as { code: string }).code).toBe(code);
      }
    }
    // the model is looked up before the body is read as JSON
    const unknown = await post("/v1/models/nope/predict", "{not json", "application/json");
    expect(unknown.status).toBe(404);
  });

  it("caches OIP answers too and still echoes each request's id", async () => {
    const request = (id: string) => ({
      id,
      inputs: [
        {
          name: "history",
          datatype: "FP32",
          shape: [1, 60],
          data: Array.from({ length: 60 }, (_, i) => 400 + i / 10),
        },
      ],
    });
    const a = (await (await json("/v2/models/co2-forecast/infer", request("a"))).json()) as InferAnswer;
    const b = (await (await json("/v2/models/co2-forecast/infer", request("b"))).json()) as InferAnswer;
    expect([a.id, a.parameters.cached, b.id, b.parameters.cached]).toEqual(["a", false, "b", true]);
    expect(b.outputs).toEqual(a.outputs);
    expect(Object.keys(b)).toEqual(["model_name", "model_version", "id", "parameters", "outputs"]);
  });
});

describe("operations surface", () => {
  it("exports Prometheus series for batching, cache, predictions and model identity", async () => {
    await json("/v1/models/btc-signal/predict", { candles: btc.syntheticCandles(120, 9) });
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const series of [
      "lockstep_http_requests_total{",
      "lockstep_http_request_duration_seconds_bucket{",
      "lockstep_inference_duration_seconds_bucket{",
      'lockstep_inference_batch_size_bucket{le="1",model="co2-forecast"}',
      "lockstep_inference_queue_depth{",
      'lockstep_cache_requests_total{model="co2-forecast",result="hit"}',
      'lockstep_cache_requests_total{model="co2-forecast",result="miss"}',
      'lockstep_predictions_total{model="btc-signal",class=',
      'lockstep_predictions_total{model="fish-classifier",class="species_0"}',
      'lockstep_forecast_value_ppm_bucket{le="420",model="co2-forecast"}',
      'lockstep_model_info{model="fish-classifier",version="1",sha256=',
      "lockstep_process_resident_memory_bytes",
    ]) {
      expect(text, series).toContain(series);
    }
  });

  it("documents every route and each model's request in /openapi.json", async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/readyz",
      "/v2/models/{name}/infer",
      "/v2/models/{name}/versions/{version}/ready",
      "/v1/models/co2-forecast/predict",
    ])
      expect(doc.paths, path).toHaveProperty([path]);
    expect(Object.keys(doc.paths["/v1/models/fish-classifier/predict"]!.post!.requestBody!.content)).toEqual([
      "application/json",
      "image/*",
      "multipart/form-data",
    ]);
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g)!;
    for (const ref of refs) expect(doc).toHaveProperty(["components", "schemas", ref.split("/").at(-1)!]);
  });

  it("serves the web page and its script with a strict content security policy", async () => {
    const page = await fetch(`${url}/`);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    expect((await fetch(`${url}/app.js`)).headers.get("content-type")).toMatch(/javascript/);
  });
});
