import type { ModelCard } from "@lockstep/onnx";
import { HttpError } from "../errors.js";
import { parseJsonText } from "../inference-steps/json-value.js";
import type { BinaryHeadCheck } from "../inference-steps/read-body.js";
import type { ModelRegistry } from "../model-registry.js";
import { requireModel } from "../require-model.js";
import { ELEMENT_BYTES } from "./binary-tensor.js";
import { elementsFor, refuseLargeAnswer } from "./answer-estimate.js";
import { oipDatatype, type OipDatatype } from "./datatypes.js";
import type { OutputRequest } from "./request.js";

const bad = (message: string): never => {
  throw new HttpError(400, "INFER_REQUEST_INVALID", message);
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

const isShape = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && (d as number) >= 1);

/** The outputs a header names (with their classification), or undefined for "all"; unchecked beyond that. */
function outputsOf(header: Record<string, unknown>): OutputRequest[] | undefined {
  if (!Array.isArray(header.outputs)) return undefined;
  return header.outputs.filter(isObject).map((o) => {
    const k = isObject(o.parameters) ? o.parameters.classification : undefined;
    return { name: String(o.name), classification: Number.isInteger(k) ? (k as number) : undefined };
  });
}

/**
 * What a binary infer's JSON header already tells, checked before any tensor byte is read: its
 * tensors' sizes (shape × datatype) against their binary_data_size and the body's declared length
 * (400), and the answer its rows imply against the answer limit (413). Anything subtler is left to
 * the full validation once the body is in; nothing refused here would have been accepted there.
 */
function checkHead(
  head: Buffer,
  bodyLength: number | undefined,
  card: ModelCard,
  depth: number,
  maxAnswerBytes: number,
) {
  const header = parseJsonText(head, depth, "the inference header", "INFER_REQUEST_INVALID");
  if (!isObject(header) || !Array.isArray(header.inputs)) return;
  const specs = new Map(card.inputs.map((s) => [s.name, s]));
  let offset = head.length;
  let rows: number | undefined;
  const sized: [Record<string, unknown>, number][] = [];
  // the decoder's own checks and words, in its order: sizes against the body first
  for (const input of header.inputs) {
    if (!isObject(input)) return;
    const spec = typeof input.name === "string" ? specs.get(input.name) : undefined;
    if (spec && isShape(input.shape)) rows ??= input.shape[0];
    const size = isObject(input.parameters) ? input.parameters.binary_data_size : undefined;
    if (size === undefined) continue;
    if (!Number.isSafeInteger(size) || (size as number) < 0) return;
    const name = typeof input.name === "string" ? input.name.slice(0, 64) : "?";
    if (bodyLength !== undefined && offset + (size as number) > bodyLength)
      bad(`input "${name}": binary_data_size runs past the body`);
    offset += size as number;
    sized.push([input, size as number]);
  }
  if (bodyLength !== undefined && offset !== bodyLength)
    bad(`${bodyLength - offset} bytes after the last binary input belong to none`);
  for (const [input, size] of sized) {
    const spec = specs.get(input.name as string);
    const element = ELEMENT_BYTES[input.datatype as OipDatatype];
    if (!spec || !isShape(input.shape) || element === undefined || input.datatype !== oipDatatype(spec.type))
      continue;
    const count = input.shape.reduce((a, b) => a * b, 1);
    if (count * element !== size)
      bad(
        `input "${spec.name}": binary_data_size is ${size} bytes; its shape needs ${count * element} (${count} x ${input.datatype as string})`,
      );
  }
  if (rows !== undefined) refuseLargeAnswer(elementsFor(rows, outputsOf(header), card), maxAnswerBytes);
}

/** The infer route's check of a binary request's header, for the model the path names (404 before reading). */
export function binaryHeadCheck(
  registry: ModelRegistry,
  limits: { jsonDepth: number; maxAnswerBytes: number },
) {
  return (params: { name: string; version?: string }): BinaryHeadCheck => {
    const model = requireModel(registry, params.name, params.version);
    return (head, bodyLength) =>
      checkHead(head, bodyLength, model.card, limits.jsonDepth, limits.maxAnswerBytes);
  };
}
