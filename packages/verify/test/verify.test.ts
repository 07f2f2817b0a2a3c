import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { bumpPin, emptyLock, type LockFile, type Pin } from "@lockstep/lockfile";
import { co2Forecast, getModel, trainCandidate } from "@lockstep/models";
import {
  cardMetadata,
  decodeModel,
  GraphBuilder,
  readCard,
  withMetadata,
  type ModelCard,
} from "@lockstep/onnx";
import { readDataUri } from "@lockstep/data";
import { fetchArtifact, openStore } from "@lockstep/store";
import {
  trainingParams,
  verificationTable,
  verifyChangedPins,
  verifyPin,
  withinTolerance,
} from "../src/index.js";

const exec = promisify(execFile);
let dir: string;
let lock: LockFile;
let pin: Pin;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lockstep-verify-"));
  const candidate = await trainCandidate({
    model: "co2-forecast",
    params: co2Forecast.smokeParams,
    context: { log: () => {}, baseDir: dir },
  });
  lock = bumpPin(emptyLock(), "co2-forecast", "staging", candidate.pin, co2Forecast.gate);
  pin = lock.models["co2-forecast"]!.pins.staging!;
}, 120_000);

const options = () => ({ storeOptions: { baseDir: dir } });
const failed = (r: { checks: { name: string; ok: boolean }[] }) =>
  r.checks.filter((c) => !c.ok).map((c) => c.name);

describe("verifyPin", () => {
  it("passes a pin made by training: artifact, size, card, metrics, evaluation, onnxruntime, golden inputs", async () => {
    const result = await verifyPin("co2-forecast", "staging", pin, options());
    expect(result.checks.map((c) => c.name)).toEqual([
      "artifact",
      "size",
      "card",
      "metrics",
      "evaluation",
      "onnxruntime",
      "golden",
    ]);
    expect(failed(result)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("catches metrics edited by hand in the lock", async () => {
    const edited = { ...pin, metrics: { ...pin.metrics, mape_h12: pin.metrics.mape_h12! / 2 } };
    const result = await verifyPin("co2-forecast", "staging", edited, options());
    expect(result.ok).toBe(false);
    expect(failed(result)).toEqual(["metrics"]);
    expect(result.checks.find((c) => c.name === "metrics")!.detail).toMatch(
      /mape_h12: pinned .*the card says/,
    );
  });

  it("catches a pin that points at a missing object", async () => {
    const missing = {
      ...pin,
      sha256: "0".repeat(64),
      uri: `file://.lockstep/store/sha256/${"0".repeat(64)}`,
    };
    const result = await verifyPin("co2-forecast", "staging", missing, options());
    expect(failed(result)).toEqual(["artifact"]);
    expect(result.checks).toHaveLength(1);
  });

  it("catches a tampered artifact", async () => {
    const copy = await mkdtemp(join(tmpdir(), "lockstep-verify-tampered-"));
    await exec("cp", ["-r", join(dir, ".lockstep"), copy]);
    const file = join(copy, ".lockstep", "store", "sha256", pin.sha256);
    const bytes = await readFile(file);
    bytes[bytes.length - 10] ^= 0xff;
    await chmod(file, 0o644);
    await writeFile(file, bytes);
    const result = await verifyPin("co2-forecast", "staging", pin, { storeOptions: { baseDir: copy } });
    expect(failed(result)).toEqual(["artifact"]);
    expect(result.checks[0]!.detail).toMatch(/sha-?256|integrity|mismatch/i);
  });

  it("catches an artifact pinned under another model's name, and a wrong size", async () => {
    expect(failed(await verifyPin("btc-signal", "staging", pin, options()))).toEqual(["card"]);
    expect(
      failed(await verifyPin("co2-forecast", "staging", { ...pin, bytes: pin.bytes + 1 }, options())),
    ).toEqual(["size"]);
  });
});

/**
 * Another graph under the pinned artifact's own card, stored: what a pin would point at if the
 * artifact's graph were broken while its card (name, metrics, evaluation) stayed right.
 */
async function underTheCard(build: (g: GraphBuilder, card: ModelCard) => void): Promise<Pin> {
  const card = readCard(await fetchArtifact(pin.uri, pin.sha256, { baseDir: dir }));
  const g = new GraphBuilder("broken");
  build(g, card);
  const stored = await openStore(undefined, { baseDir: dir }).put(g.build({ metadata: cardMetadata(card) }));
  return { ...pin, ...stored };
}

describe("verifyPin on a broken pin: each check fails on its own", () => {
  it("evaluation: a pin whose protocol is not the one its artifact was evaluated with", async () => {
    const card = readCard(await fetchArtifact(pin.uri, pin.sha256, { baseDir: dir }));
    expect(pin.evaluation.protocol).toBe(card.evaluation.protocol);
    const other = { ...pin, evaluation: { ...pin.evaluation, protocol: "random-split-80-20" } };
    const result = await verifyPin("co2-forecast", "staging", other, options());
    expect(result.ok).toBe(false);
    expect(failed(result)).toEqual(["evaluation"]);
    expect(result.checks.find((c) => c.name === "evaluation")!.detail).toBe(
      `pinned protocol "random-split-80-20", the card says "${card.evaluation.protocol}"`,
    );
  });

  it("onnxruntime: a graph onnxruntime cannot load (an operator no opset defines), under a valid card", async () => {
    const unloadable = await underTheCard((g, card) => {
      const x = g.input(card.inputs[0]!);
      const y = g.op("NoSuchOperator", [x]);
      for (const output of card.outputs) g.output(output, g.op("Identity", [y]));
    });
    const result = await verifyPin("co2-forecast", "staging", unloadable, options());
    expect(result.ok).toBe(false);
    // the card and everything before the session are fine; nothing runs after it
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ["artifact", true],
      ["size", true],
      ["card", true],
      ["metrics", true],
      ["evaluation", true],
      ["onnxruntime", false],
    ]);
    expect(result.checks.at(-1)!.detail).toMatch(/NoSuchOperator/);
  });

  it("golden: a graph that loads and answers NaN for every golden input", async () => {
    const nan = await underTheCard((g, card) => {
      const [input] = card.inputs;
      const history = g.input(input!);
      const window = Number(input!.shape.at(-1));
      for (const output of card.outputs) {
        const horizon = Number(output.shape.at(-1));
        const weights = g.initializer({
          type: "float32",
          dims: [window, horizon],
          values: new Float32Array(window * horizon).fill(Number.NaN),
        });
        g.output(output, g.op("MatMul", [history, weights]));
      }
    });
    const result = await verifyPin("co2-forecast", "staging", nan, options());
    expect(result.ok).toBe(false);
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ["artifact", true],
      ["size", true],
      ["card", true],
      ["metrics", true],
      ["evaluation", true],
      ["onnxruntime", true],
      ["golden", false],
    ]);
    expect(result.checks.at(-1)!.detail).toBe("golden input 1: non-finite values in forecast, lower, upper");
  });
});

describe("verifyChangedPins", () => {
  it("verifies only what changed, and tables what did not hold", async () => {
    expect(await verifyChangedPins(lock, lock, options())).toEqual([]);
    const edited: LockFile = structuredClone(lock);
    edited.models["co2-forecast"]!.pins.staging!.metrics.rmse_h12 = 0.000001;
    const results = await verifyChangedPins(emptyLock(), edited, options());
    expect(results).toHaveLength(1);
    const table = verificationTable(results);
    expect(table).toContain("| co2-forecast | staging | 1 | metrics | ❌ | rmse_h12: pinned 0.000001");
    expect(table).toContain("| co2-forecast | staging | 1 | artifact | ✅ |");
    expect(verificationTable([])).toBe("No pin was added or changed.");
  });
});

describe("re-running the recorded evaluation", () => {
  const reproduce = (extra: object = {}) => ({
    storeOptions: { baseDir: dir },
    reproduce: { baseDir: dir, ...extra },
  });
  const detail = (r: { checks: { name: string; detail: string }[] }) =>
    r.checks.find((c) => c.name === "reproduction")?.detail;

  it("trains again with the card's params and seed and gets the pinned metrics", async () => {
    const result = await verifyPin("co2-forecast", "staging", pin, reproduce());
    expect(failed(result)).toEqual([]);
    expect(result.checks.at(-1)!.name).toBe("reproduction");
    expect(detail(result)).toMatch(/16 metrics re-computed in [\d.]+ s, within 1% relative/);
  }, 120_000);

  it("catches an artifact whose card claims metrics its evaluation does not give", async () => {
    // a forged artifact: the card and the pin agree with each other, so only a re-run can tell
    const bytes = await fetchArtifact(pin.uri, pin.sha256, { baseDir: dir });
    const card = readCard(bytes);
    card.metrics = { ...card.metrics, mape_h12: card.metrics.mape_h12! * 0.5 };
    const forged = withMetadata(bytes, cardMetadata(card));
    const stored = await openStore(undefined, { baseDir: dir }).put(forged);
    const forgedPin = { ...pin, ...stored, metrics: card.metrics };
    const plain = await verifyPin("co2-forecast", "staging", forgedPin, options());
    expect(failed(plain)).toEqual([]);
    const result = await verifyPin("co2-forecast", "staging", forgedPin, reproduce());
    expect(failed(result)).toEqual(["reproduction"]);
    expect(detail(result)).toMatch(/^outside 1% relative: mape_h12: pinned [\d.]+, re-run [\d.]+$/);
  }, 120_000);

  it("catches per-fold values the evaluation does not give (they decide paired gates)", async () => {
    const folds = pin.evaluation.folds!.mape_h12!;
    expect(folds.length).toBeGreaterThan(1);
    const forged = { ...pin, evaluation: { ...pin.evaluation, folds: { mape_h12: folds.map(() => 0.001) } } };
    expect(failed(await verifyPin("co2-forecast", "staging", forged, options()))).toEqual([]);
    const result = await verifyPin("co2-forecast", "staging", forged, reproduce());
    expect(failed(result)).toEqual(["reproduction"]);
    expect(detail(result)).toMatch(/^outside 1% relative: mape_h12 on fold 1: pinned 0.001, re-run [\d.]+$/);
  }, 120_000);

  it("catches other bytes under a copied card: the rebuild must equal the pin, and the first difference is named", async () => {
    // one metadata entry appended: a new sha256, the same graph, card and metrics
    const bytes = await fetchArtifact(pin.uri, pin.sha256, { baseDir: dir });
    const entries = decodeModel(bytes).metadataProps.map((p) => [p.key, p.value] as const);
    const appended = withMetadata(bytes, { ...Object.fromEntries(entries), note: "appended" });
    const stored = await openStore(undefined, { baseDir: dir }).put(appended);
    const appendedPin = { ...pin, ...stored };
    expect(appendedPin.sha256).not.toBe(pin.sha256);
    expect(failed(await verifyPin("co2-forecast", "staging", appendedPin, options()))).toEqual([]);
    const result = await verifyPin("co2-forecast", "staging", appendedPin, reproduce());
    expect(failed(result)).toEqual(["reproduction"]);
    expect(detail(result)).toMatch(
      /^16 metrics re-computed in [\d.]+ s, within 1% relative .*, but the rebuilt artifact is not the pinned one: sha256 [0-9a-f]{12}, pinned [0-9a-f]{12}; first difference: metadata key "note": only in the first$/,
    );
  }, 120_000);

  it("catches evaluation data that changed since the pin, and data it cannot read", async () => {
    const original = await readDataUri(co2Forecast.defaultData);
    const csv = original.toString("utf8").replace(/\n[^\n]*\n?$/, "\n");
    await writeFile(join(dir, "co2-shorter.csv"), csv);
    const changed = await verifyPin(
      "co2-forecast",
      "staging",
      pin,
      reproduce({ data: { "co2-forecast": "co2-shorter.csv" } }),
    );
    expect(failed(changed)).toEqual(["reproduction"]);
    expect(detail(changed)).toMatch(/^the evaluation data differ: co2-shorter.csv has fingerprint/);

    const missing = await verifyPin(
      "co2-forecast",
      "staging",
      pin,
      reproduce({ data: { "co2-forecast": "nowhere.csv" } }),
    );
    expect(detail(missing)).toMatch(/^cannot read the evaluation data nowhere.csv: /);
  }, 120_000);

  it("reads the training params back from the card, and states its tolerance", () => {
    const card = { params: { ...co2Forecast.defaultParams, structures: ["x"], seed: 7 } };
    const params = trainingParams(getModel("co2-forecast"), card as never) as Record<string, unknown>;
    expect(params.seed).toBe(7);
    expect(params).not.toHaveProperty("structures");
    expect(withinTolerance(1, 1.0099, 0.01)).toBe(true);
    expect(withinTolerance(1, 1.011, 0.01)).toBe(false);
    expect(withinTolerance(0, 0.000001, 0.01)).toBe(true);
    expect(withinTolerance(0, 0.00001, 0.01)).toBe(false);
  });
});
