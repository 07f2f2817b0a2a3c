import * as ort from "onnxruntime-node";
import type { Pin } from "@lockstep/lockfile";
import {
  decodeRequest,
  encodeAnswer,
  getModel,
  loadPinnedArtifact,
  pinnedArtifactStep,
  type OutputTensor,
} from "@lockstep/models";
import type { OpenStoreOptions } from "@lockstep/store";
import { rebuildArtifact } from "./rebuild.js";
import { reproduceEvaluation, type ReproduceOptions } from "./reproduce.js";

export interface Check {
  name:
    | "rendered"
    | "location"
    | "attestation"
    | "artifact"
    | "size"
    | "card"
    | "metrics"
    | "evaluation"
    | "onnxruntime"
    | "golden"
    | "reproduction"
    | "promotion"
    /** promotionRequires: how long the source environment served the pin, and its latest monitor report. */
    | "soak"
    | "health";
  ok: boolean;
  detail: string;
}

export interface PinVerification {
  model: string;
  environment: string;
  version: string;
  sha256: string;
  ok: boolean;
  checks: Check[];
}

export interface VerifyOptions {
  storeOptions?: OpenStoreOptions;
  /** How far a pinned metric may be from the card's, relative (default 1e-9: they are copies). */
  tolerance?: number;
  /** Re-run the recorded evaluation (trains again; see reproduceEvaluation). Off when absent. */
  reproduce?: ReproduceOptions;
}

const close = (a: number, b: number, tolerance: number) =>
  Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Checks one pin, in order, stopping at the first check the rest depend on: the artifact is fetched
 * and its SHA-256 verified, its size matches, its card names the model and carries the pinned
 * metrics and evaluation, onnxruntime loads it, and the model's serving adapters answer each of
 * their golden inputs with finite outputs. With `reproduce`, the recorded evaluation then runs again
 * and every pinned metric must come out within its tolerance.
 */
export async function verifyPin(
  model: string,
  environment: string,
  pin: Pin,
  options: VerifyOptions = {},
): Promise<PinVerification> {
  const checks: Check[] = [];
  const result = (): PinVerification => ({
    model,
    environment,
    version: pin.version,
    sha256: pin.sha256,
    ok: checks.every((c) => c.ok),
    checks,
  });
  const pass = (name: Check["name"], detail: string) => checks.push({ name, ok: true, detail });
  const fail = (name: Check["name"], detail: string) => (checks.push({ name, ok: false, detail }), result());

  // the server's own load: fetch with sha256, size, a card naming the model
  const load = () => loadPinnedArtifact(model, pin, options.storeOptions);
  const failLoad = (error: unknown, hint = "") => {
    const step = pinnedArtifactStep(error);
    if (step !== "artifact") pass("artifact", `fetched ${pin.uri}, SHA-256 verified`);
    if (step === "card") pass("size", `${pin.bytes} bytes`);
    return fail(step, `${(error as Error).message}${hint}`);
  };
  let loaded: Awaited<ReturnType<typeof load>>;
  let rebuilt = false;
  try {
    loaded = await load();
    pass("artifact", `fetched ${pin.uri}, SHA-256 verified`);
  } catch (error) {
    if ((error as { code?: string }).code !== "STORE_NOT_FOUND" || !options.reproduce) {
      const missing = (error as { code?: string }).code === "STORE_NOT_FOUND";
      return failLoad(
        error,
        missing
          ? `. Rebuild it: \`npm start\` (rebuilds every missing pinned artifact), \`lockstep verify --reproduce\`, or \`lockstep train ${model}\``
          : "",
      );
    }
    const rebuild = await rebuildArtifact(model, pin, {
      ...options.reproduce,
      storeOptions: options.storeOptions,
    });
    if (!rebuild.ok) return fail("artifact", rebuild.detail);
    try {
      loaded = await load();
    } catch (again) {
      return failLoad(again);
    }
    rebuilt = true;
    pass("artifact", `${rebuild.detail}; SHA-256 verified`);
  }
  const { bytes, card } = loaded;
  pass("size", `${bytes.length} bytes`);
  pass("card", `${card.name}, trained by ${card.trainer.name} ${card.trainer.version}`);

  const tolerance = options.tolerance ?? 1e-9;
  const wrong = Object.entries(pin.metrics).flatMap(([name, value]) => {
    const recorded = card.metrics[name];
    if (recorded === undefined) return [`${name}: not in the card`];
    return close(value, recorded, tolerance) ? [] : [`${name}: pinned ${value}, the card says ${recorded}`];
  });
  if (wrong.length > 0) fail("metrics", wrong.join("; "));
  else
    pass(
      "metrics",
      `${Object.keys(pin.metrics).length} metrics match the card (relative tolerance ${tolerance})`,
    );
  if (card.evaluation.protocol !== pin.evaluation.protocol)
    fail(
      "evaluation",
      `pinned protocol "${pin.evaluation.protocol}", the card says "${card.evaluation.protocol}"`,
    );
  else pass("evaluation", card.evaluation.protocol);

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    pass("onnxruntime", `inputs ${session.inputNames.join(", ")}; outputs ${session.outputNames.join(", ")}`);
  } catch (error) {
    return fail("onnxruntime", (error as Error).message);
  }
  try {
    const { serving } = getModel(model);
    const answered: string[] = [];
    for (const [i, request] of serving.golden.entries()) {
      try {
        const decoded = await decodeRequest(serving, request, card);
        const feeds = Object.fromEntries(
          Object.entries(decoded.feeds).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]),
        );
        const outputs = (await session.run(feeds)) as unknown as Record<string, OutputTensor>;
        const broken = Object.entries(outputs)
          .filter(([, t]) =>
            Array.from(t.data as ArrayLike<number>).some((v) => typeof v === "number" && !Number.isFinite(v)),
          )
          .map(([name]) => name);
        if (broken.length > 0) throw new Error(`non-finite values in ${broken.join(", ")}`);
        encodeAnswer(serving, outputs, card, decoded.context);
        answered.push(String(i + 1));
      } catch (error) {
        fail("golden", `golden input ${i + 1}: ${(error as Error).message}`);
        return result();
      }
    }
    pass("golden", `${answered.length} golden inputs answered`);
  } finally {
    await session.release();
  }
  if (options.reproduce && rebuilt) {
    pass(
      "reproduction",
      "the rebuild above re-ran the evaluation: byte-identical artifact, metrics within tolerance",
    );
  } else if (options.reproduce) {
    const reproduction = await reproduceEvaluation(
      model,
      pin,
      card,
      { storeOptions: options.storeOptions, ...options.reproduce },
      bytes,
    );
    (reproduction.ok ? pass : fail)("reproduction", reproduction.detail);
  }
  return result();
}
