import type { ErrorObject } from "ajv";
import { pointerSegment } from "./validate.js";

/** One problem in a JSON config: where (a JSON pointer) and what was expected. */
export interface SchemaIssue {
  pointer: string;
  message: string;
}

/** An Ajv error in words a config's author reads: the key, or the schema's own description. */
export function describeSchemaError(error: ErrorObject): string {
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  switch (error.keyword) {
    case "additionalProperties":
      return `unknown key "${String(error.params.additionalProperty)}"`;
    case "required":
      return `missing required key "${String(error.params.missingProperty)}"`;
    case "propertyNames":
      return `invalid name ${JSON.stringify(error.params.propertyName)}`;
    case "pattern":
      return `expected ${description ?? `a value matching ${String(error.params.pattern)}`}`;
    default:
      return description && error.keyword === "enum"
        ? `expected ${description}`
        : (error.message ?? `failed ${error.keyword}`);
  }
}

/** Ajv's errors (compiled with allErrors and verbose) as issues with pointers, one per problem. */
export function schemaIssues(errors: readonly ErrorObject[] | null | undefined): SchemaIssue[] {
  return (errors ?? [])
    .filter((e) => e.propertyName === undefined || e.keyword === "propertyNames")
    .map((e) => ({
      pointer:
        (e.keyword === "propertyNames"
          ? `${e.instancePath}/${pointerSegment(String(e.params.propertyName))}`
          : e.instancePath) || "/",
      message: describeSchemaError(e),
    }));
}
