import { createHash } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { attr, GraphBuilder, readCard, type ModelCard } from "@lockstep/onnx";
import {
  decodeRequest,
  encodeAnswer,
  fishClassifier,
  ModelError,
  trainModel,
  type TrainedModel,
} from "../src/index.js";
import {
  encodePng,
  groupsOf,
  listImageFolder,
  parseFishParams,
  parseLabelMap,
  prepareImage,
  resizeCrop,
  sniffImageFormat,
  type ImageFolder,
} from "../src/fish-classifier/index.js";

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const quiet = { log: () => {} };
// enough epochs for the tiny CNN to learn the synthetic classes, still a couple of seconds
const TEST_PARAMS = {
  ...fishClassifier.smokeParams,
  backbone: null,
  group: "fish_(\\d+)_",
  cnnEpochs: 60,
  cnnLearningRate: 0.003,
  cnnFilters: [8, 16],
  imageSize: 32,
  augment: "flip-all",
};

/** A 48x40 image: class 0 a red disc, class 1 a blue bar, class 2 a green square, with noise. */
function synthetic(label: number, seed: number): Buffer {
  const [w, h] = [48, 40];
  const rgb = new Uint8Array(w * h * 3);
  let s = seed * 7919 + label;
  const noise = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 40) - 20;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inside =
        label === 0
          ? (x - 24) ** 2 + (y - 20) ** 2 < 120
          : label === 1
            ? Math.abs(x - 24) < 4
            : Math.abs(x - 24) < 9 && Math.abs(y - 20) < 9;
      const color = inside
        ? [
            [220, 40, 40],
            [40, 40, 220],
            [40, 200, 40],
          ][label]!
        : [120, 120, 120];
      rgb.set(
        color.map((c) => Math.max(0, Math.min(255, c + noise()))),
        (y * w + x) * 3,
      );
    }
  return encodePng(w, h, rgb);
}

let root: string;
let folder: ImageFolder;
let trained: TrainedModel;
let card: ModelCard;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "lockstep-fish-"));
  const formats = ["png", "jpeg", "webp"] as const;
  for (let label = 0; label < 3; label++) {
    await mkdir(join(root, `species_${label}`));
    for (let i = 0; i < 12; i++) {
      const format = formats[i % 3]!;
      const bytes = await sharp(synthetic(label, i)).toFormat(format, { quality: 95 }).toBuffer();
      await writeFile(
        join(
          root,
          `species_${label}`,
          `fish_${label}${Math.floor(i / 3)}_${i}.${format === "jpeg" ? "jpg" : format}`,
        ),
        bytes,
      );
    }
  }
  await writeFile(
    join(root, "labels.tsv"),
    "folder\tspecies\tcommon\nspecies_0\tRubra discus\tred disc\nspecies_1\tCaerulea virga\n",
  );
  await writeFile(join(root, "species_0", "notes.txt"), "not an image");
  folder = await fishClassifier.loadData(root, quiet);
  const params = parseFishParams(TEST_PARAMS);
  trained = await trainModel(fishClassifier, folder, params, quiet);
  card = readCard(trained.onnx);
}, 180_000);

async function predict(body: unknown) {
  const decoded = await decodeRequest(fishClassifier.serving, body, card);
  const session = await ort.InferenceSession.create(trained.onnx);
  const feeds = Object.fromEntries(
    Object.entries(decoded.feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]),
  );
  const out = await session.run(feeds);
  await session.release();
  return encodeAnswer(fishClassifier.serving, out as never, card, decoded.context) as {
    predicted_class: string;
    predicted_label: string;
    confidence: number;
    top_3_predictions: { class: string; label: string; confidence: number; common_name?: string }[];
  };
}

describe("fish-classifier data", () => {
  it("lists an ImageFolder with a label map, ignoring non-images", () => {
    expect(folder.classes).toEqual([
      { id: "species_0", name: "Rubra discus", alias: "red disc" },
      { id: "species_1", name: "Caerulea virga" },
      { id: "species_2", name: "species_2" },
    ]);
    expect(folder.items).toHaveLength(36);
  });

  it("merges train/ val/ test/ split folders", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-fish-split-"));
    for (const split of ["train", "test"])
      for (const c of ["a", "b"]) {
        await mkdir(join(dir, split, c), { recursive: true });
        await writeFile(join(dir, split, c, `${split}.png`), synthetic(0, 1));
      }
    const f = await listImageFolder(dir);
    expect(f.classes.map((c) => c.id)).toEqual(["a", "b"]);
    expect(f.items.map((i) => i.split).sort()).toEqual(["test", "test", "train", "train"]);
  });

  it("groups by the regex's first capture and rejects names it does not match", () => {
    const groups = groupsOf(folder, "fish_(\\d+)_");
    expect(new Set(groups).size).toBe(12);
    expect(() => groupsOf(folder, "track_(\\d+)")).toThrow(/does not match/);
    expect(() => parseFishParams({ group: "fish_\\d+" })).toThrow(/capture group/);
    expect(() => parseFishParams({ group: "(" })).toThrow(/not a valid regular expression/);
    expect(() => parseFishParams({ augment: "rotate" })).toThrow(/must be one of/);
  });

  it("parses label maps in JSON and CSV and rejects broken ones", () => {
    expect(parseLabelMap('{"a": "Alpha", "b": {"name": "Beta", "alias": "bee"}}', "json").get("b")).toEqual({
      name: "Beta",
      alias: "bee",
    });
    expect(parseLabelMap("folder,name\na,Alpha\n", "csv").get("a")).toEqual({ name: "Alpha" });
    expect(() => parseLabelMap("{", "json")).toThrow(/not valid JSON/);
    expect(() => parseLabelMap('{"a": 3}', "json")).toThrow(/must be a name/);
  });

  it("refuses a folder with fewer than two classes or that does not exist", async () => {
    await expect(listImageFolder(join(root, "species_0"))).rejects.toThrow(/at least two class folders/);
    await expect(listImageFolder(join(root, "nope"))).rejects.toThrow(/does not exist/);
  });

  it("honours EXIF orientation, crops the centre and refuses non-images and decompression bombs", async () => {
    // a 40x20 image, left half white, rotated by EXIF orientation 6 (90° clockwise) -> 20x40 upright
    const rgb = new Uint8Array(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) rgb.set([255, 255, 255], (y * 40 + x) * 3);
    const jpeg = await sharp(encodePng(40, 20, rgb))
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const pixels = await prepareImage(jpeg, { size: 8, resize: 8 });
    expect(pixels).toHaveLength(8 * 8 * 3);
    // after rotation the white half is on top: the first row is bright, the last dark
    expect(pixels[0]!).toBeGreaterThan(200);
    expect(pixels[7 * 8 * 3]!).toBeLessThan(60);
    await expect(prepareImage(Buffer.from("GIF89a....."), { size: 8, resize: 8 })).rejects.toThrow(
      ModelError,
    );
    await expect(
      prepareImage(Buffer.from("definitely not an image"), { size: 8, resize: 8 }),
    ).rejects.toThrow(/not a readable image/);
    const bomb = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: "#000" } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    await expect(prepareImage(bomb, { size: 8, resize: 8 })).rejects.toThrow(/larger than 40000000 pixels/);
  });
});

describe("image preparation", () => {
  const gradient = (w: number, h: number) => {
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        rgb.set([(x * 255) / (w - 1), (y * 255) / (h - 1), ((x + y) * 255) / (w + h - 2)], (y * w + x) * 3);
    return rgb;
  };

  it("scales small images up in-process within three grey levels of libvips' bilinear", async () => {
    const [w, h] = [37, 29];
    const png = encodePng(w, h, gradient(w, h));
    const ours = await prepareImage(png, { size: 48, resize: 56 });
    // the same geometry through libvips: shorter side 29 -> 56, centre crop 48
    const width = Math.round(w * (56 / 29));
    const vips = await sharp(png)
      .resize(width, 56, { fit: "fill", kernel: "linear" })
      .extract({ left: Math.floor((width - 48) / 2), top: 4, width: 48, height: 48 })
      .raw()
      .toBuffer();
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - vips[i]!));
    expect(ours).toHaveLength(48 * 48 * 3);
    expect(worst).toBeLessThanOrEqual(3); // libvips places sample centres a fraction of a pixel apart
  });

  it("resizeCrop keeps a flat image flat and maps corners to corners", () => {
    const flat = new Uint8Array(5 * 4 * 3).fill(77);
    expect(new Set(resizeCrop(flat, 5, 4, 20, 16, { left: 2, top: 2, width: 16, height: 12 }))).toEqual(
      new Set([77]),
    );
    const [w, h] = [4, 4];
    const out = resizeCrop(gradient(w, h), w, h, 8, 8, { left: 0, top: 0, width: 8, height: 8 });
    expect(out[0]).toBe(0); // top-left red is 0
    expect(out[(8 * 8 - 1) * 3]).toBe(255); // bottom-right red is 255 (edges clamp)
  });

  it("reduces large images through libvips and gives the same size", async () => {
    const png = encodePng(600, 400, gradient(600, 400));
    const pixels = await prepareImage(png, { size: 64, resize: 72 });
    expect(pixels).toHaveLength(64 * 64 * 3);
    // centre of a horizontal red ramp is mid-grey
    expect(Math.abs(pixels[(32 * 64 + 32) * 3]! - 128)).toBeLessThan(12);
  });

  it("writes into a given buffer the pixels it would return, on every decoding path", async () => {
    const small = encodePng(37, 29, gradient(37, 29)); // decoded here, scaled up here
    const jpeg = await sharp(small).jpeg().toBuffer(); // decoded by libvips, scaled up here
    const large = encodePng(600, 400, gradient(600, 400)); // reduced by libvips
    const cases: [Uint8Array, { size: number; resize: number }][] = [
      [small, { size: 48, resize: 56 }],
      [jpeg, { size: 48, resize: 56 }],
      [large, { size: 64, resize: 72 }],
    ];
    for (const [bytes, geometry] of cases) {
      const fresh = await prepareImage(bytes, geometry);
      const into = new Uint8Array(geometry.size * geometry.size * 3).fill(9);
      const out = await prepareImage(bytes, geometry, into);
      expect(out).toBe(into);
      expect(Buffer.from(out).equals(Buffer.from(fresh))).toBe(true);
    }
    await expect(prepareImage(small, { size: 48, resize: 56 }, new Uint8Array(10))).rejects.toThrow(
      /output buffer holds 10 bytes, not 6912/,
    );
  });

  it("tells the format from the magic bytes and refuses a truncated file that claims to be PNG", async () => {
    const png = encodePng(4, 4, gradient(4, 4));
    expect(sniffImageFormat(png)).toBe("png");
    expect(sniffImageFormat(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0))).toBe("jpeg");
    expect(sniffImageFormat(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 "))).toBe("webp");
    expect(sniffImageFormat(new TextEncoder().encode("GIF89a"))).toBeUndefined();
    expect(sniffImageFormat(new Uint8Array(0))).toBeUndefined();
    await expect(prepareImage(png.subarray(0, 30), { size: 8, resize: 8 })).rejects.toThrow(
      /not a readable image/,
    );
  });
});

describe("fish-classifier training without a backbone (small CNN, tiny budget)", () => {
  it("cross-validates by group and reports the gate's metrics", () => {
    for (const key of ["accuracy", "macro_f1", "top3_accuracy"])
      expect(Number.isFinite(trained.metrics[key]), key).toBe(true);
    expect(trained.metrics.top3_accuracy).toBe(1); // three classes
    expect(trained.metrics.accuracy).toBeGreaterThan(0.8); // shapes and colours this distinct are easy
    expect(trained.evaluation.protocol).toMatch(/2-fold group-disjoint/);
    expect(trained.evaluation.protocol.length).toBeLessThanOrEqual(200); // the lock's limit
    expect(trained.report).toContain("| **Lockstep** |");
    expect(trained.assets?.["confusion.svg"]).toMatch(/^<svg/);
    expect(trained.parity.maxAbsDiff).toBeLessThan(1e-4);
  });

  it("carries labels, preprocessing and the class map in its card", () => {
    expect(card.labels).toEqual(["Rubra discus", "Caerulea virga", "species_2"]);
    expect(card.inputs[0]).toEqual({ name: "image", type: "uint8", shape: ["batch", 32, 32, 3] });
    expect(card.preprocessing?.resize).toBe("shorter side to 37 (bilinear), centre crop 32x32");
    const profile = card.featureProfile as {
      features: Record<string, { count: number }>;
      predictions: Record<string, { kind: string; shares?: Record<string, number> }>;
    };
    expect(Object.keys(profile.features).sort()).toEqual(["brightness_b", "brightness_g", "brightness_r"]);
    expect(profile.predictions.predicted_label!.kind).toBe("categorical");
    for (const label of Object.keys(profile.predictions.predicted_label!.shares!))
      expect(card.labels).toContain(label);
  });

  it("is deterministic: the same images, params and seed give byte-identical ONNX", async () => {
    const params = parseFishParams(TEST_PARAMS);
    const again = await trainModel(fishClassifier, folder, params, quiet);
    expect(sha(again.onnx)).toBe(sha(trained.onnx));
  }, 120_000);

  it("answers the source system's shape for base64 JSON and raw bodies, and its golden request", async () => {
    const image = await sharp(synthetic(0, 99)).jpeg().toBuffer();
    const answer = await predict({ image: image.toString("base64") });
    expect(Object.keys(answer).sort()).toEqual([
      "confidence",
      "predicted_class",
      "predicted_label",
      "top_3_predictions",
    ]);
    expect(answer.top_3_predictions).toHaveLength(3);
    expect(answer.top_3_predictions[0]!.class).toBe(answer.predicted_class);
    expect(answer.confidence).toBe(answer.top_3_predictions[0]!.confidence);
    const raw = await predict(new Uint8Array(image));
    expect(raw).toEqual(answer);
    const dataUrl = await predict({ image: `data:image/jpeg;base64,${image.toString("base64")}` });
    expect(dataUrl).toEqual(answer);
    for (const golden of fishClassifier.serving.golden)
      expect((await predict(golden)).top_3_predictions).toHaveLength(3);
  });

  it("draws each request's pixels from a pool that takes them back on release or a refused image", async () => {
    const image = new Uint8Array(await sharp(synthetic(0, 5)).png().toBuffer());
    const a = await decodeRequest(fishClassifier.serving, image, card);
    const b = await decodeRequest(fishClassifier.serving, image, card);
    const pixels = a.feeds.image!.data;
    expect(b.feeds.image!.data).not.toBe(pixels); // both in flight: a buffer each
    a.release!();
    const c = await decodeRequest(fishClassifier.serving, image, card);
    expect(c.feeds.image!.data).toBe(pixels); // reused once given back
    expect(Buffer.from(c.feeds.image!.data).equals(Buffer.from(b.feeds.image!.data))).toBe(true);
    c.release!();
    c.release!(); // a second call changes nothing
    await expect(decodeRequest(fishClassifier.serving, { image: "aGVsbG8=" }, card)).rejects.toThrow(
      /not a readable/,
    );
    const d = await decodeRequest(fishClassifier.serving, image, card);
    expect(d.feeds.image!.data).toBe(pixels); // the refused request gave it back
    const e = await decodeRequest(fishClassifier.serving, image, card);
    expect(e.feeds.image!.data).not.toBe(pixels); // and it went to one holder only
    for (const held of [b, d, e]) held.release!();
  });

  it.each([
    ["a number", 42, /expected a JSON object like/],
    ["an unknown field", { image: "aaaa", url: "http://x" }, /unknown field "url"/],
    ["an empty image", { image: "" }, /"image" must not be empty/],
    ["invalid base64", { image: "$$$$" }, /not valid base64/],
    [
      "text that is not an image",
      { image: Buffer.from("hello world").toString("base64") },
      /not a readable image/,
    ],
    ["an oversized body", { image: "A".repeat(30 * 1024 * 1024) }, /"image" is longer than/],
  ])("rejects %s with REQUEST_INVALID", async (_, body, pattern) => {
    // the schema refuses synchronously, decode's own checks asynchronously: both are caught here
    const error = await Promise.resolve()
      .then(() => decodeRequest(fishClassifier.serving, body, card))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).code).toBe("REQUEST_INVALID");
    expect((error as Error).message).toMatch(pattern);
  });
});

describe("fish-classifier transfer learning (a tiny hand-built backbone in place of a zoo model)", () => {
  it("exposes the backbone's pooled features, trains the head, and composes one graph", async () => {
    // image [N,3,16,16] -> GlobalAveragePool -> Flatten (the pooled features) -> MatMul: "ImageNet logits"
    const g = new GraphBuilder("toy_backbone");
    const x = g.input({ name: "input", type: "float32", shape: ["N", 3, 16, 16] });
    const pooled = g.op("Flatten", [g.op("GlobalAveragePool", [x])], { axis: attr.int(1) });
    const w = g.initializer({
      type: "float32",
      dims: [3, 4],
      values: Array.from({ length: 12 }, (_, i) => (i % 5) - 2),
    });
    g.output({ name: "output", type: "float32", shape: ["N", 4] }, g.op("MatMul", [pooled, w]));
    const dir = await mkdtemp(join(tmpdir(), "lockstep-backbone-"));
    await writeFile(join(dir, "toy.onnx"), g.build({ opsets: { "": 12 } }));
    const params = parseFishParams({
      backbone: "file://toy.onnx",
      group: "fish_(\\d+)_",
      folds: 2,
      imageSize: 16,
      headEpochs: 150,
      headLearningRate: 0.05,
    });
    const lines: string[] = [];
    const model = await trainModel(fishClassifier, folder, params, {
      log: (l) => lines.push(l),
      baseDir: dir,
    });
    expect(lines.some((l) => l.includes("embeddings: 36/36"))).toBe(true);
    expect(model.metrics.accuracy).toBeGreaterThan(0.8); // mean colour separates the classes
    expect(model.report).toContain("nearest class centroid");
    // the plain linear baseline on the same embeddings and folds, first among the baselines
    expect(model.report).toContain("logistic regression on the same embeddings");
    expect((model.card.evaluation as unknown as { baselines: { name: string }[] }).baselines[0]!.name).toBe(
      "logistic regression on the same embeddings",
    );
    const c = readCard(model.onnx);
    expect(c.chosen?.backboneSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(c.inputs[0]!.shape).toEqual(["batch", 16, 16, 3]);
    const session = await ort.InferenceSession.create(model.onnx);
    expect([...session.outputNames].sort()).toEqual(["probabilities", "top_indices", "top_scores"]);
    await session.release();
  }, 120_000);

  it("says clearly when the backbone is missing or has no classifier to find features before", async () => {
    const missing = parseFishParams({ backbone: "file://nope.onnx", folds: 2 });
    await expect(trainModel(fishClassifier, folder, missing, quiet)).rejects.toThrow(/not found/);
    const g = new GraphBuilder("no_classifier");
    const x = g.input({ name: "input", type: "float32", shape: ["N", 3, 8, 8] });
    g.output({ name: "output", type: "float32", shape: ["N", 3, 8, 8] }, g.op("Relu", [x]));
    const dir = await mkdtemp(join(tmpdir(), "lockstep-backbone-"));
    await writeFile(join(dir, "bad.onnx"), g.build({ opsets: { "": 12 } }));
    const bad = parseFishParams({ backbone: "file://bad.onnx", folds: 2, imageSize: 8 });
    await expect(trainModel(fishClassifier, folder, bad, { ...quiet, baseDir: dir })).rejects.toThrow(
      /cannot find the classifier/,
    );
  });
});
