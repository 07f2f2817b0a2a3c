import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { ModelCard } from "@lockstep/onnx";
import { ModelError } from "./errors.js";
import type {
  DecodedRequest,
  JsonSchema,
  OutputTensor,
  ServedCard,
  ServingAdapter,
} from "./serving-adapter.js";

// allErrors off: a request's first problem is what its client is told, found at the least cost
const ajv = new Ajv2020({ strict: false, allErrors: false, verbose: true });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorOf(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  return validate;
}

/** /candles/3/Open → "candles[3].Open"; the root → "the request". */
function where(pointer: string): string {
  if (!pointer) return "the request";
  const path = pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment, i) => (/^\d+$/.test(segment) ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join("");
  return `"${path}"`;
}

/** An Ajv error in the words a client of the endpoint reads. */
export function requestIssue(error: ErrorObject): string {
  const parent = (error.parentSchema ?? {}) as {
    description?: string;
    example?: unknown;
    properties?: object;
  };
  const at = where(error.instancePath);
  switch (error.keyword) {
    case "additionalProperties": {
      const known = Object.keys(parent.properties ?? {}).join(", ");
      return `unknown field "${String(error.params.additionalProperty)}"${error.instancePath ? ` in ${at}` : ""} (known: ${known})`;
    }
    case "required":
      return `missing field "${String(error.params.missingProperty)}"${error.instancePath ? ` in ${at}` : ""}`;
    case "dependentRequired":
      return `"${String(error.params.property)}" and "${String(error.params.missingProperty)}" go together`;
    case "type": {
      const type = String(error.params.type).split(",").join(" or ");
      if (!error.instancePath && parent.example !== undefined)
        return `expected a JSON ${type} like ${JSON.stringify(parent.example)}`;
      if (!error.instancePath && parent.description) return `expected ${parent.description}`;
      return `${at} must be ${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
    }
    case "minItems":
      return `${at} must hold at least ${String(error.params.limit)} items, got ${(error.data as unknown[]).length}`;
    case "maxItems":
      return `${at} must hold at most ${String(error.params.limit)} items, got ${(error.data as unknown[]).length}`;
    case "anyOf":
    case "oneOf":
      return parent.description ? `${at}: expected ${parent.description}` : `${at} ${error.message}`;
    case "pattern":
      return parent.description
        ? `${at} must be ${parent.description}`
        : `${at} must match ${String(error.params.pattern)}`;
    case "minLength":
      return error.params.limit === 1
        ? `${at} must not be empty`
        : `${at} must be at least ${String(error.params.limit)} characters long`;
    case "maxLength":
      return `${at} is longer than ${String(error.params.limit)} characters`;
    default:
      return `${at} ${error.message ?? `fails ${error.keyword}`}`;
  }
}

/** The error to tell: a failed choice (oneOf) over its branches' errors, never "must match else". */
const firstIssue = (errors: ErrorObject[]): ErrorObject =>
  errors.find((e) => e.keyword === "oneOf" || e.keyword === "anyOf") ??
  errors.find((e) => e.keyword !== "if") ??
  errors[0]!;

/**
 * The server's call into a spec for a request: a JSON body is validated against the spec's own
 * request schema (the one /openapi.json shows), then decoded; image bytes go straight to decode.
 * Throws ModelError("REQUEST_INVALID") with the first problem.
 */
export function decodeRequest<Context, Serving>(
  serving: ServingAdapter<Context, Serving>,
  body: unknown,
  card: ModelCard,
): DecodedRequest<Context> | Promise<DecodedRequest<Context>> {
  if (!(body instanceof Uint8Array)) {
    const validate = validatorOf(serving.schema.request);
    if (!validate(body)) throw new ModelError("REQUEST_INVALID", requestIssue(firstIssue(validate.errors!)));
  }
  // the card is the artifact's own, written by this spec's trainer
  return serving.decode(body, card as ServedCard<Serving>);
}

/** The server's call into a spec for an answer: the outputs, shaped by encode. */
export function encodeAnswer<Context, Serving>(
  serving: ServingAdapter<Context, Serving>,
  outputs: Record<string, OutputTensor>,
  card: ModelCard,
  context: Context,
): Record<string, unknown> {
  return serving.encode(outputs, card as ServedCard<Serving>, context);
}
