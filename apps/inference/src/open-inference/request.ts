import { quoted } from "@lockstep/models";
import type { ModelCard, TensorSpec } from "@lockstep/onnx";
import { HttpError } from "../errors.js";
import { BinaryTensor } from "./binary-tensor.js";
import {
  elementError,
  OIP_TO_ELEMENT,
  oipDatatype,
  typedData,
  UNSUPPORTED,
  type OipDatatype,
  type TensorData,
} from "./datatypes.js";

/** Largest tensor a request may carry, in elements (a 1 MiB JSON body is far smaller anyway). */
export const MAX_ELEMENTS = 4_000_000;

export interface ParsedInput {
  spec: TensorSpec;
  shape: number[];
  /** The elements, checked, as onnxruntime takes them. */
  data: TensorData;
}

export interface OutputRequest {
  name: string;
  /** Classification extension: answer the top-k as "score:index:label" strings. */
  classification?: number;
}

export interface InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: ParsedInput[];
  outputs: OutputRequest[];
}

const bad = (message: string): never => {
  throw new HttpError(400, "INFER_REQUEST_INVALID", message);
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Row-major elements of `data`: a flat array, or arrays nested exactly as `shape` says (a ragged
 * or differently nested array is refused, never flattened into something the client did not mean).
 */
function elementsOf(data: unknown, shape: number[], name: string): unknown[] {
  if (!Array.isArray(data)) return bad(`input "${name}": "data" must be an array`);
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const walk = (value: unknown, depth: number, at: string) => {
    if (depth === shape.length) {
      if (Array.isArray(value))
        bad(`input "${name}": "data"${at} nests deeper than shape [${shape.join(", ")}]`);
      out.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[depth]) {
      bad(
        `input "${name}": "data"${at} must be ${shape[depth]} items to match shape [${shape.join(", ")}] (nested data must not be ragged)`,
      );
    }
    (value as unknown[]).forEach((item, i) => walk(item, depth + 1, `${at}[${i}]`));
  };
  walk(data, 0, "");
  return out;
}

function checkShape(raw: Record<string, unknown>, spec: TensorSpec, name: string): number[] {
  const shape = raw.shape;
  const dims = `[${spec.shape.map((d) => (typeof d === "number" ? d : -1)).join(", ")}]`;
  if (
    !Array.isArray(shape) ||
    shape.length !== spec.shape.length ||
    !shape.every((d) => Number.isInteger(d) && (d as number) >= 1 && (d as number) <= MAX_ELEMENTS)
  ) {
    return bad(
      `input "${name}": "shape" must be ${spec.shape.length} integers of at least 1 (the model's shape is ${dims})`,
    );
  }
  spec.shape.forEach((d, i) => {
    if (typeof d === "number" && shape[i] !== d)
      bad(`input "${name}": dimension ${i} must be ${d}, got ${shape[i]}`);
  });
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) bad(`input "${name}": shape holds more than ${MAX_ELEMENTS} elements`);
  return shape as number[];
}

function parseInput(raw: unknown, specs: Map<string, TensorSpec>): ParsedInput {
  if (!isObject(raw)) return bad('each of "inputs" must be an object with name, shape, datatype and data');
  if (typeof raw.name !== "string") return bad('an input has no "name"');
  const spec = specs.get(raw.name);
  if (!spec)
    return bad(`unknown input ${quoted(raw.name)} (the model's inputs: ${[...specs.keys()].join(", ")})`);
  const { name } = spec;
  const datatype = raw.datatype;
  if (typeof datatype !== "string") return bad(`input "${name}": "datatype" is missing`);
  if (UNSUPPORTED.has(datatype)) return bad(`input "${name}": datatype ${datatype} is not supported here`);
  if (!(datatype in OIP_TO_ELEMENT)) return bad(`input "${name}": unknown datatype ${quoted(datatype)}`);
  const expected = oipDatatype(spec.type);
  if (datatype !== expected)
    bad(`input "${name}": datatype ${datatype} does not match the model's ${expected}`);
  const shape = checkShape(raw, spec, name);
  const count = shape.reduce((a, b) => a * b, 1);
  if (raw.data instanceof BinaryTensor) {
    // binary data is read straight into its typed array, only now that datatype and shape are known good
    const data = raw.data.read(datatype as OipDatatype, count, name);
    return { spec, shape, data };
  }
  const values = elementsOf(raw.data, shape, name);
  if (values.length !== count) {
    bad(
      `input "${name}": shape [${shape.join(", ")}] holds ${count} elements but "data" has ${values.length}`,
    );
  }
  const element = OIP_TO_ELEMENT[datatype as OipDatatype];
  for (let i = 0; i < values.length; i++) {
    const error = elementError(values[i], element);
    if (error) bad(`input "${name}": element ${i} must be ${error}, got ${quoted(values[i])}`);
  }
  return { spec, shape, data: typedData(values, element) };
}

function parseOutput(raw: unknown, outputs: Set<string>): OutputRequest {
  if (!isObject(raw) || typeof raw.name !== "string")
    return bad('each of "outputs" must be an object with a "name"');
  if (!outputs.has(raw.name))
    bad(`unknown output ${quoted(raw.name)} (the model's outputs: ${[...outputs].join(", ")})`);
  const parameters = raw.parameters;
  if (parameters !== undefined && !isObject(parameters))
    bad(`output "${raw.name}": "parameters" must be an object`);
  const k = (parameters as Record<string, unknown> | undefined)?.classification;
  if (k !== undefined && (!Number.isInteger(k) || (k as number) < 1 || (k as number) > 1000)) {
    bad(`output "${raw.name}": "classification" must be an integer from 1 to 1000`);
  }
  return { name: raw.name, classification: k as number | undefined };
}

/** Validates an OIP v2 infer request body against the model's card signature. */
export function parseInferRequest(body: unknown, card: ModelCard): InferRequest {
  if (!isObject(body)) return bad('the body must be a JSON object with "inputs"');
  for (const key of Object.keys(body)) {
    if (!["id", "parameters", "inputs", "outputs"].includes(key)) bad(`unknown field ${quoted(key)}`);
  }
  if (body.id !== undefined && (typeof body.id !== "string" || body.id.length > 256)) {
    bad('"id" must be a string of at most 256 characters');
  }
  if (body.parameters !== undefined && !isObject(body.parameters)) bad('"parameters" must be an object');
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) bad('"inputs" must be a non-empty array');
  const specs = new Map(card.inputs.map((s) => [s.name, s]));
  // one at a time, duplicates refused as met: no more inputs are read than the model has, plus one
  const inputs: ParsedInput[] = [];
  const seen = new Set<string>();
  for (const raw of body.inputs as unknown[]) {
    const input = parseInput(raw, specs);
    if (seen.has(input.spec.name)) bad(`input "${input.spec.name}" is given twice`);
    seen.add(input.spec.name);
    inputs.push(input);
  }
  const missing = card.inputs.filter((s) => !seen.has(s.name)).map((s) => s.name);
  if (missing.length) bad(`missing input(s): ${missing.join(", ")}`);
  const batch = new Set(inputs.map((i) => i.shape[0]));
  if (batch.size > 1) bad("all inputs must have the same batch size (dimension 0)");
  const outputNames = new Set(card.outputs.map((o) => o.name));
  if (body.outputs !== undefined && !Array.isArray(body.outputs)) bad('"outputs" must be an array');
  if (Array.isArray(body.outputs) && body.outputs.length > card.outputs.length) {
    bad(`"outputs" asks for ${body.outputs.length} outputs; the model has ${card.outputs.length}`);
  }
  const outputs =
    body.outputs === undefined
      ? card.outputs.map((o) => ({ name: o.name }))
      : (body.outputs as unknown[]).map((raw) => parseOutput(raw, outputNames));
  return {
    id: body.id as string | undefined,
    parameters: body.parameters as Record<string, unknown> | undefined,
    inputs,
    outputs,
  };
}

/**
 * How many elements the answer will hold, from the card's output shapes and the request's batch
 * size (a dynamic dimension other than the batch counts as the batch): what the server checks
 * against its answer limit before it runs the model.
 */
export function answerElements(request: InferRequest, card: ModelCard): number {
  const rows = request.inputs[0]?.shape[0] ?? 1;
  let total = 0;
  for (const wanted of request.outputs) {
    const spec = card.outputs.find((o) => o.name === wanted.name)!;
    const dims = spec.shape.map((d) => (typeof d === "number" ? d : rows));
    const perRow = dims.slice(1).reduce((a, b) => a * b, 1);
    const width = wanted.classification === undefined ? perRow : Math.min(perRow, wanted.classification);
    total += (dims[0] ?? 1) * width;
  }
  return total;
}
