import type { ModelCard } from "@lockstep/onnx";
import { BufferPool } from "../buffer-pool.js";
import { ModelError } from "../errors.js";
import type { DecodedRequest, OutputTensor, ServingAdapter } from "../spec.js";
import { MAX_IMAGE_BYTES, prepareImage, type ClassInfo } from "./images.js";
import { encodePng } from "./png.js";

interface FishServing {
  size: number;
  resize: number;
  topK: number;
  classes: ClassInfo[];
}

const invalid = (message: string): never => {
  throw new ModelError("REQUEST_INVALID", message);
};

/** The image bytes of a request: a raw body (Buffer/Uint8Array) or {"image": "<base64 or data: URL>"}. */
function imageBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return invalid('expected an image body or {"image": "<base64>"}');
  }
  for (const key of Object.keys(body)) if (key !== "image") invalid(`unknown field "${key}" (known: image)`);
  const image = (body as { image?: unknown }).image;
  if (typeof image !== "string" || image.length === 0) return invalid('"image" must be a base64 string');
  if (image.length > Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 100)
    invalid(`the image is larger than ${MAX_IMAGE_BYTES} bytes`);
  const base64 = image.replace(/^data:image\/[\w.+-]+;base64,/, "");
  if (!/^[A-Za-z0-9+/\s]*={0,2}$/.test(base64)) invalid('"image" is not valid base64');
  return Buffer.from(base64, "base64");
}

/** Input pixel buffers by size, reused once each request's inference settles. */
const pixelPools = new Map<number, BufferPool>();

function pixelPool(length: number): BufferPool {
  let pool = pixelPools.get(length);
  if (!pool) pixelPools.set(length, (pool = new BufferPool(length)));
  return pool;
}

/**
 * POST /v1/models/fish-classifier/predict with an image (JPEG, PNG or WebP): answers the source
 * system's shape — predicted_class, predicted_label, confidence, top_3_predictions.
 */
export const fishServing: ServingAdapter<Record<string, never>> = {
  async decode(body: unknown, card: ModelCard): Promise<DecodedRequest<Record<string, never>>> {
    const serving = card.serving as unknown as FishServing;
    const bytes = imageBytes(body);
    if (bytes.length === 0) invalid("the image is empty");
    if (bytes.length > MAX_IMAGE_BYTES) invalid(`the image is larger than ${MAX_IMAGE_BYTES} bytes`);
    const { buffer, release } = pixelPool(serving.size * serving.size * 3).acquire();
    let pixels: Uint8Array;
    try {
      pixels = await prepareImage(bytes, { size: serving.size, resize: serving.resize }, buffer);
    } catch (error) {
      release();
      return invalid((error as Error).message);
    }
    return {
      feeds: { image: { type: "uint8", data: pixels, dims: [1, serving.size, serving.size, 3] } },
      context: {},
      release,
    };
  },

  encode(outputs: Record<string, OutputTensor>, card: ModelCard): Record<string, unknown> {
    const serving = card.serving as unknown as FishServing;
    const scores = outputs.top_scores!.data;
    const indices = outputs.top_indices!.data;
    const top = Array.from({ length: serving.topK }, (_, k) => {
      const index = Number(indices[k]);
      const info = serving.classes[index]!;
      return {
        class: info.id,
        label: info.name,
        ...(info.alias ? { common_name: info.alias } : {}),
        confidence: Math.round(Number(scores[k]) * 1e6) / 1e6,
      };
    });
    return {
      predicted_class: top[0]!.class,
      predicted_label: top[0]!.label,
      confidence: top[0]!.confidence,
      [`top_${serving.topK}_predictions`]: top,
    };
  },

  golden: [{ image: GOLDEN_PNG() }],
  accepts: ["image", "multipart"],
  // a CNN backbone is compute-bound: two threads inside each run, and merged runs of up to 8 images.
  // MobileNetV2 int8 on 2 cores, bare onnxruntime, images/s: 209 at batch 1 on 1 thread, 293-373 on
  // 2, 426-434 at batch 8 on 2; two single-threaded sessions side by side do 409-419, 453 at batch 4,
  // but in the server, where decoding needs the same cores, they were no faster (240-283 against
  // 263-278 images/s), added 1.4 ms to p50 at 1 connection and ~90 MB of resident memory under load.
  // Re-measured with the WebAssembly pixel kernels (3 alternating rounds, batch 4 for the copies):
  // +5% images/s at 8 connections and +3% at 32, within the rounds' spread, for +1.3 ms p50 at 1
  // connection and +20 MB resident (+40 MB under load); not worth it on 2 cores.
  threads: 2,
  batching: { enabled: true, maxBatch: 8 },
  // one pod serving this model alone: RSS and p99 from bench/RESULTS.md (soak, serving)
  deployment: {
    requests: { cpu: "1", memory: "512Mi" },
    limits: { cpu: "2", memory: "1Gi" },
    p99Seconds: 0.5,
  },
  observe: { classes: (answer) => [String(answer.predicted_label)] },
  schema: {
    request: {
      type: "object",
      additionalProperties: false,
      required: ["image"],
      properties: { image: { type: "string", description: "JPEG, PNG or WebP as base64 or a data: URL" } },
      description: "or send the image itself (Content-Type: image/*) or as multipart/form-data field 'image'",
    },
    response: {
      type: "object",
      properties: {
        predicted_class: { type: "string" },
        predicted_label: { type: "string" },
        confidence: { type: "number" },
        top_3_predictions: {
          type: "array",
          items: {
            type: "object",
            properties: {
              class: { type: "string" },
              label: { type: "string" },
              common_name: { type: "string" },
              confidence: { type: "number" },
            },
          },
        },
      },
    },
  },
};

/** A 40x30 RGB gradient PNG, encoded here so the golden request needs no file. */
function GOLDEN_PNG(): string {
  const [width, height] = [40, 30];
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rgb.set([x * 6, y * 8, 128], (y * width + x) * 3);
  return encodePng(width, height, rgb).toString("base64");
}
