import { BufferPool } from "../buffer-pool.js";
import { ModelError } from "../errors.js";
import type { DecodedRequest, OutputTensor, ServedCard, ServingAdapter } from "../serving-adapter.js";
import { fishBatch } from "./batch.js";
import { MAX_IMAGE_BYTES, prepareImage } from "./images.js";
import type { ClassInfo } from "./image-folder.js";
import { encodePng } from "./png.js";
import { fishSettings } from "./settings.js";

/** What fish-classifier's trainer writes into the card for serving. */
export interface FishServing {
  size: number;
  resize: number;
  topK: number;
  classes: ClassInfo[];
}

const invalid = (message: string): never => {
  throw new ModelError("REQUEST_INVALID", message);
};

/** The image bytes of a request: a raw body, or {"image": "<base64 or data: URL>"} as the schema lets through. */
function imageBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  const { image } = body as { image: string };
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
export const fishServing: ServingAdapter<Record<string, never>, FishServing> = {
  async decode(body: unknown, card: ServedCard<FishServing>): Promise<DecodedRequest<Record<string, never>>> {
    const { serving } = card;
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

  encode(outputs: Record<string, OutputTensor>, card: ServedCard<FishServing>) {
    const { serving } = card;
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

  monitor: {
    // mean brightness per channel of the pixels the model sees: image statistics, never the image
    features({ feeds }) {
      const pixels = feeds.image!.data;
      const sums = [0, 0, 0];
      for (let p = 0; p < pixels.length; p++) sums[p % 3]! += pixels[p]!;
      const count = pixels.length / 3;
      return {
        brightness_r: sums[0]! / count / 255,
        brightness_g: sums[1]! / count / 255,
        brightness_b: sums[2]! / count / 255,
      };
    },
    prediction: (answer) => ({
      predicted_label: String(answer.predicted_label),
      confidence: Number(answer.confidence),
    }),
  },
  batch: fishBatch,
  golden: [{ image: GOLDEN_PNG() }],
  settings: fishSettings,
  observe: { classes: (answer) => [String(answer.predicted_label)] },
  schema: {
    request: {
      type: "object",
      additionalProperties: false,
      required: ["image"],
      properties: {
        image: {
          type: "string",
          minLength: 1,
          maxLength: Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 100,
          description: "JPEG, PNG or WebP as base64 or a data: URL",
        },
      },
      description: "or send the image itself (Content-Type: image/*) or as multipart/form-data field 'image'",
      example: { image: "<base64>" },
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
