import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveNpmUri } from "@lockstep/data";
import { fish, fishClassifier, getModel, trainModel } from "../src/index.js";
import { DEFAULT_BACKBONE } from "../src/fish-classifier/params.js";
import { parseManifest, readShippedUri } from "../src/shipped-files.js";
import { paramsFor } from "../src/pipeline.js";

const SAMPLE = resolveNpmUri(fishClassifier.defaultData);
const BACKBONE = resolveNpmUri(DEFAULT_BACKBONE);
const BACKBONE_SHA = "cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f";
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lockstep-shipped-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the files that ship in @lockstep/samples", () => {
  it("the fish sample: every species, 10 images each, its labels and its notice, all matching the manifest", async () => {
    const folder = await fish.listImageFolder(SAMPLE, fishClassifier.defaultData);
    expect(folder.classes).toHaveLength(19);
    expect(folder.items).toHaveLength(190);
    expect(folder.classes[0]).toMatchObject({ id: "fish_01", name: "Dascyllus reticulatus" });
    for (const c of folder.classes.keys()) expect(folder.items.filter((i) => i.label === c)).toHaveLength(10);
    let bytes = 0;
    for (const item of folder.items) bytes += (await folder.read(item)).length; // each read checks its sha256
    expect(bytes).toBeLessThan(5 * 1024 * 1024);
    const notice = (await readFile(join(SAMPLE, "NOTICE.md"), "utf8")).replace(/\s*\n>?\s*/g, " ");
    expect(notice).toMatch(
      /Permission is granted for anyone to copy,\s+use, modify, or distribute this data/,
    );
    expect(notice).toContain(
      "https://groups.inf.ed.ac.uk/vision/DATASETS/FISH4KNOWLEDGE/WEBSITE/GROUNDTRUTH/RECOG/",
    );
    expect(notice).toMatch(/Supporting ground-truth annotation of image datasets using\s+clustering/);
  });

  it("the backbone: the pinned MobileNetV2 bytes with its Apache-2.0 licence beside it", async () => {
    const bytes = await readShippedUri(DEFAULT_BACKBONE);
    expect(sha(bytes)).toBe(BACKBONE_SHA);
    expect(await readFile(join(BACKBONE, "../LICENSE-Apache-2.0.txt"), "utf8")).toMatch(
      /Apache License\s+Version 2\.0/,
    );
  });

  it("fish-classifier's defaults do transfer learning on the sample, split by track; other data keeps its own params", () => {
    const spec = getModel("fish-classifier");
    const onSample = spec.parseParams(paramsFor(spec, spec.defaultData, undefined)) as fish.FishParams;
    expect(onSample).toMatchObject({ backbone: DEFAULT_BACKBONE, group: "fish_(\\d+)_" });
    const own = spec.parseParams(
      paramsFor(spec, "file://my-photos", { backbone: "file://mine.onnx" }),
    ) as fish.FishParams;
    expect(own).toMatchObject({ backbone: "file://mine.onnx", group: null });
    // the user's params win over the sample's
    expect(paramsFor(spec, spec.defaultData, { group: "x(\\d)" })).toEqual({ group: "x(\\d)" });
    expect(paramsFor(spec, spec.defaultData, [1])).toEqual([1]); // left for parseParams to refuse
  });
});

describe("a missing or corrupted shipped file", () => {
  it("a sample image: the error names the file and the sha256 it should have; nothing is trained", async () => {
    const copy = join(dir, "sample");
    await cp(SAMPLE, copy, { recursive: true });
    const manifest = parseManifest(await readFile(join(copy, "MANIFEST.sha256"), "utf8"), "MANIFEST.sha256");
    const [file, expected] = [...manifest.files].find(([f]) => f.startsWith("fish_02/"))!;
    const bytes = await readFile(join(copy, file));
    bytes[bytes.length - 5]! ^= 0xff;
    await writeFile(join(copy, file), bytes);
    const folder = await fish.listImageFolder(copy);
    const item = folder.items.find((i) => i.path.endsWith(file.split("/")[1]!))!;
    await expect(folder.read(item)).rejects.toMatchObject({
      code: "DATA_CORRUPT",
      message: expect.stringContaining(expected),
    });
    await expect(
      trainModel(fishClassifier, folder, fishClassifier.parseParams({ folds: 2, backbone: null }), {
        log: () => {},
      }),
    ).rejects.toThrow(/is corrupted/);

    await unlink(join(copy, file));
    await expect(fish.listImageFolder(copy)).rejects.toThrow(
      new RegExp(`${file.replace("/", "\\/")} is missing .*${expected}`),
    );
    await writeFile(join(copy, file), bytes);
    // the label map is shipped too: an edited species name is refused, not trained on
    const labels = await readFile(join(copy, "labels.tsv"), "utf8");
    await writeFile(join(copy, "labels.tsv"), labels.replace("Dascyllus reticulatus", "Dascyllus edited"));
    await expect(fish.listImageFolder(copy)).rejects.toThrow(/labels\.tsv is corrupted/);
    await writeFile(join(copy, "labels.tsv"), labels);
    await writeFile(join(copy, "fish_01", "extra.png"), bytes);
    await expect(fish.listImageFolder(copy)).rejects.toThrow(
      /extra\.png is not listed in .*MANIFEST\.sha256/,
    );
  });

  it("the backbone: missing or altered, the error names it and its sha256", async () => {
    const copy = join(dir, "backbones");
    await cp(join(BACKBONE, ".."), copy, { recursive: true });
    const path = join(copy, "mobilenetv2-12-int8.onnx");
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, 1000));
    await expect(readShippedUri(`file://${path}`)).rejects.toMatchObject({
      code: "DATA_CORRUPT",
      message: expect.stringMatching(
        new RegExp(`mobilenetv2-12-int8\\.onnx is corrupted: .*lists ${BACKBONE_SHA}`),
      ),
    });
    await unlink(path);
    await expect(readShippedUri(`file://${path}`)).rejects.toThrow(
      new RegExp(`is missing .*sha256 ${BACKBONE_SHA}`),
    );
  });

  it("a malformed manifest is refused with its line", () => {
    expect(() => parseManifest("nothex  a.png\n", "M")).toThrow(/M:1 is not/);
    expect(() => parseManifest(`${"a".repeat(64)}  ../etc/passwd\n`, "M")).toThrow(/M:1/);
    expect(parseManifest(`${"a".repeat(64)}  ./x/y.png\n\n`, "M").files.get("x/y.png")).toBe("a".repeat(64));
  });
});
