import onnxProto from "onnx-proto";
import { OnnxError } from "./errors.js";
import { stableStringify } from "./stable-json.js";
import type { TensorSpec } from "./tensor-types.js";

const { onnx } = onnxProto;

export const CARD_KEY = "lockstep.card";
export const MAX_CARD_BYTES = 8 * 1024 * 1024;

export interface DataFingerprint {
  /** Where the data came from (URI or package reference). */
  source: string;
  /** SHA-256 of the data after parsing and normalisation (not of the raw download). */
  sha256: string;
  rows: number;
  [detail: string]: unknown;
}

/**
 * The model card, carried inside the ONNX file in metadata_props. It holds nothing that changes
 * from run to run (no timestamps), so the same training gives the same bytes.
 */
export interface ModelCard {
  cardVersion: 1;
  name: string;
  task: string;
  description: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  labels?: string[];
  preprocessing?: Record<string, unknown>;
  /** The params training was asked for (the model's defaults with the caller's over them). */
  params: Record<string, unknown>;
  /** What training chose itself (tuned params, selected structures, a backbone's sha256). */
  chosen?: Record<string, unknown>;
  seed: number;
  metrics: Record<string, number>;
  evaluation: { protocol: string; [detail: string]: unknown };
  data: DataFingerprint;
  /** Reference feature profile for drift checks (added by later model versions). */
  featureProfile?: unknown;
  /** Model-specific context the serving adapters need (e.g. the recent history of a series). */
  serving?: Record<string, unknown>;
  trainer: { name: string; version: string };
}

export function cardMetadata(card: ModelCard): Record<string, string> {
  return { [CARD_KEY]: stableStringify(card) };
}

export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxError("ONNX_DECODE", `not an ONNX model: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads the model card from an ONNX file's metadata_props and checks its basic shape. */
export function readCard(bytes: Uint8Array): ModelCard {
  const model = decodeModel(bytes);
  const entry = model.metadataProps.find((prop) => prop.key === CARD_KEY);
  if (!entry?.value) throw new OnnxError("ONNX_CARD", `the ONNX model has no "${CARD_KEY}" metadata entry`);
  if (entry.value.length > MAX_CARD_BYTES) throw new OnnxError("ONNX_CARD", "the model card is too large");
  let card: unknown;
  try {
    card = JSON.parse(entry.value);
  } catch (error) {
    throw new OnnxError("ONNX_CARD", `the model card is not valid JSON: ${(error as Error).message}`);
  }
  const c = card as Partial<ModelCard> | null;
  if (
    !c ||
    typeof c !== "object" ||
    c.cardVersion !== 1 ||
    typeof c.name !== "string" ||
    typeof c.task !== "string" ||
    !Array.isArray(c.inputs) ||
    !Array.isArray(c.outputs) ||
    typeof c.metrics !== "object"
  ) {
    throw new OnnxError(
      "ONNX_CARD",
      "the model card lacks cardVersion 1, name, task, inputs, outputs or metrics",
    );
  }
  return card as ModelCard;
}
