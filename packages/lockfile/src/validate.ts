import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import schema from "../schema/models.lock.schema.json" with { type: "json" };
import { LockError, type LockIssue } from "./errors.js";
import type { LockFile } from "./types.js";

export { schema as lockSchema };

const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
const check = ajv.compile<LockFile>(schema);

/** Escapes one JSON-pointer segment (RFC 6901). */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function describe(error: ErrorObject): string {
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  switch (error.keyword) {
    case "additionalProperties":
      return `unknown key "${String(error.params.additionalProperty)}"`;
    case "required":
      return `missing required key "${String(error.params.missingProperty)}"`;
    case "const":
      return `expected ${description ?? JSON.stringify(error.params.allowedValue)}, found ${JSON.stringify(error.data)}`;
    case "enum":
      return `expected ${description ?? (error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(" or ")}, found ${JSON.stringify(error.data)}`;
    case "type":
      return `expected a value of type ${String(error.params.type)}, found ${typeOf(error.data)}`;
    case "propertyNames":
      return `invalid key ${JSON.stringify(error.params.propertyName)}`;
    case "pattern":
    case "minimum":
    case "maximum":
    case "maxLength":
    case "minLength":
      return `expected ${description ?? error.message ?? "a valid value"}, found ${shortJson(error.data)}`;
    default:
      return error.message ?? `failed ${error.keyword}`;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${shortJson(value)}`;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** JSON allows 1e999, which parses to Infinity: metrics must be finite. */
function findNonFinite(value: unknown, pointer: string, out: LockIssue[]): void {
  if (typeof value === "number" && !Number.isFinite(value)) {
    out.push({ pointer, message: `expected a finite number, found ${value}` });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => findNonFinite(item, `${pointer}/${i}`, out));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value))
      findNonFinite(item, `${pointer}/${pointerSegment(key)}`, out);
  }
}

/** Checks the structure (schema) and the rules a schema cannot state (gate metric present in each pin). */
export function lockIssues(value: unknown): LockIssue[] {
  const issues: LockIssue[] = [];
  findNonFinite(value, "", issues);
  if (!check(value)) {
    for (const error of check.errors ?? []) {
      // propertyNames errors repeat as a nested pattern error on the same key: keep the clear one
      if (error.propertyName !== undefined && error.keyword !== "propertyNames") continue;
      const pointer =
        error.keyword === "propertyNames"
          ? `${error.instancePath}/${pointerSegment(String(error.params.propertyName))}`
          : error.instancePath;
      issues.push({ pointer: pointer || "/", message: describe(error) });
    }
    return dedupe(issues);
  }
  for (const [name, model] of Object.entries(value.models)) {
    for (const [env, pin] of Object.entries(model.pins)) {
      if (!(model.gate.metric in pin.metrics)) {
        issues.push({
          pointer: `/models/${pointerSegment(name)}/pins/${pointerSegment(env)}/metrics`,
          message: `expected the gate metric "${model.gate.metric}" among the pin's metrics (found: ${Object.keys(pin.metrics).join(", ")})`,
        });
      }
    }
  }
  return dedupe(issues);
}

function dedupe(issues: LockIssue[]): LockIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.pointer}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Returns the value typed as a LockFile, or throws a LockError listing every issue. */
export function validateLock(value: unknown, source = "models.lock.json"): LockFile {
  const issues = lockIssues(value);
  if (issues.length > 0) {
    const lines = issues.map((issue) => `  ${issue.pointer}: ${issue.message}`).join("\n");
    throw new LockError("LOCK_INVALID", `${source} is not a valid lock file:\n${lines}`, issues, source);
  }
  return value as LockFile;
}
