import type { ModelCard, TensorSpec } from "@lockstep/onnx";
import { HttpError } from "../errors.js";
import { elementError, OIP_TO_ELEMENT, oipDatatype, UNSUPPORTED, type OipDatatype } from "./datatypes.js";

/** Largest tensor a request may carry, in elements (a 1 MiB JSON body is far smaller anyway). */
export const MAX_ELEMENTS = 4_000_000;
const MAX_RANK = 8;

export interface ParsedInput {
  spec: TensorSpec;
  shape: number[];
  values: unknown[];
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

/** Flattens row-major nested arrays, refusing ragged or too deep ones. */
function flatten(data: unknown, name: string): unknown[] {
  const out: unknown[] = [];
  const walk = (value: unknown, depth: number) => {
    if (!Array.isArray(value)) {
      out.push(value);
      return;
    }
    if (depth > MAX_RANK) bad(`input "${name}": "data" is nested deeper than ${MAX_RANK} levels`);
    for (const item of value) {
      walk(item, depth + 1);
      if (out.length > MAX_ELEMENTS) bad(`input "${name}": more than ${MAX_ELEMENTS} elements`);
    }
  };
  if (!Array.isArray(data)) bad(`input "${name}": "data" must be an array`);
  walk(data, 0);
  return out;
}

function parseInput(raw: unknown, specs: Map<string, TensorSpec>): ParsedInput {
  if (!isObject(raw)) return bad('each of "inputs" must be an object with name, shape, datatype and data');
  const name = raw.name;
  if (typeof name !== "string") return bad('an input has no "name"');
  const spec = specs.get(name);
  if (!spec) return bad(`unknown input "${name}" (the model's inputs: ${[...specs.keys()].join(", ")})`);
  const datatype = raw.datatype;
  if (typeof datatype !== "string") return bad(`input "${name}": "datatype" is missing`);
  if (UNSUPPORTED.has(datatype)) return bad(`input "${name}": datatype ${datatype} is not supported here`);
  if (!(datatype in OIP_TO_ELEMENT))
    return bad(`input "${name}": unknown datatype ${JSON.stringify(datatype)}`);
  const expected = oipDatatype(spec.type);
  if (datatype !== expected)
    bad(`input "${name}": datatype ${datatype} does not match the model's ${expected}`);
  const shape = raw.shape;
  if (
    !Array.isArray(shape) ||
    shape.length !== spec.shape.length ||
    !shape.every((d) => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= MAX_ELEMENTS)
  ) {
    return bad(
      `input "${name}": "shape" must be ${spec.shape.length} non-negative integers (the model's shape is [${spec.shape.map((d) => (typeof d === "number" ? d : -1)).join(", ")}])`,
    );
  }
  spec.shape.forEach((d, i) => {
    if (typeof d === "number" && shape[i] !== d)
      bad(`input "${name}": dimension ${i} must be ${d}, got ${shape[i]}`);
  });
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) bad(`input "${name}": shape holds more than ${MAX_ELEMENTS} elements`);
  const values = flatten(raw.data, name);
  if (values.length !== count) {
    bad(
      `input "${name}": shape [${shape.join(", ")}] holds ${count} elements but "data" has ${values.length}`,
    );
  }
  const element = OIP_TO_ELEMENT[datatype as OipDatatype];
  for (let i = 0; i < values.length; i++) {
    const error = elementError(values[i], element);
    if (error) bad(`input "${name}": element ${i} must be ${error}, got ${JSON.stringify(values[i])}`);
  }
  return { spec, shape: shape as number[], values };
}

function parseOutput(raw: unknown, outputs: Set<string>): OutputRequest {
  if (!isObject(raw) || typeof raw.name !== "string")
    return bad('each of "outputs" must be an object with a "name"');
  if (!outputs.has(raw.name))
    bad(`unknown output "${raw.name}" (the model's outputs: ${[...outputs].join(", ")})`);
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
    if (!["id", "parameters", "inputs", "outputs"].includes(key)) bad(`unknown field "${key}"`);
  }
  if (body.id !== undefined && (typeof body.id !== "string" || body.id.length > 256)) {
    bad('"id" must be a string of at most 256 characters');
  }
  if (body.parameters !== undefined && !isObject(body.parameters)) bad('"parameters" must be an object');
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) bad('"inputs" must be a non-empty array');
  const specs = new Map(card.inputs.map((s) => [s.name, s]));
  const inputs = (body.inputs as unknown[]).map((raw) => parseInput(raw, specs));
  const seen = new Set<string>();
  for (const input of inputs) {
    if (seen.has(input.spec.name)) bad(`input "${input.spec.name}" is given twice`);
    seen.add(input.spec.name);
  }
  const missing = card.inputs.filter((s) => !seen.has(s.name)).map((s) => s.name);
  if (missing.length) bad(`missing input(s): ${missing.join(", ")}`);
  const batch = new Set(inputs.map((i) => i.shape[0]));
  if (batch.size > 1) bad("all inputs must have the same batch size (dimension 0)");
  const outputNames = new Set(card.outputs.map((o) => o.name));
  if (body.outputs !== undefined && !Array.isArray(body.outputs)) bad('"outputs" must be an array');
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
