/* Checks synthesized Terraform JSON against a provider schema in `terraform providers schema -json` form. */

type TfType = string | [string, TfType] | [string, Record<string, TfType>];

interface Attribute {
  type?: TfType;
  nested_type?: { nesting_mode: "single" | "list" | "set" | "map"; attributes: Record<string, Attribute> };
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
}

export interface Block {
  attributes?: Record<string, Attribute>;
  block_types?: Record<
    string,
    { nesting_mode: "single" | "list" | "set"; min_items?: number; max_items?: number; block: Block }
  >;
}

export interface ProviderSchema {
  provider: { block: Block };
  resource_schemas: Record<string, { block: Block }>;
  data_source_schemas?: Record<string, { block: Block }>;
}

const META = new Set([
  "//",
  "depends_on",
  "count",
  "for_each",
  "lifecycle",
  "provider",
  "provisioner",
  "connection",
]);
const isReference = (value: unknown) => typeof value === "string" && /\$\{/.test(value);

function typeProblem(value: unknown, type: TfType, at: string): string[] {
  if (isReference(value)) return [];
  if (typeof type === "string") {
    const ok =
      type === "string"
        ? typeof value === "string"
        : type === "number"
          ? typeof value === "number"
          : type === "bool"
            ? typeof value === "boolean"
            : true; // dynamic
    return ok ? [] : [`${at}: expected ${type}, got ${JSON.stringify(value)}`];
  }
  const [kind, inner] = type;
  if (kind === "list" || kind === "set") {
    if (!Array.isArray(value)) return [`${at}: expected a ${kind}`];
    return value.flatMap((v, i) => typeProblem(v, inner as TfType, `${at}[${i}]`));
  }
  if (kind === "map") {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: expected a map`];
    return Object.entries(value).flatMap(([k, v]) => typeProblem(v, inner as TfType, `${at}.${k}`));
  }
  if (kind === "object") {
    if (typeof value !== "object" || value === null) return [`${at}: expected an object`];
    const fields = inner as Record<string, TfType>;
    return Object.entries(value).flatMap(([k, v]) =>
      k in fields ? typeProblem(v, fields[k]!, `${at}.${k}`) : [`${at}.${k}: not a field of the object`],
    );
  }
  return [];
}

function attributesProblems(
  value: Record<string, unknown>,
  attributes: Record<string, Attribute>,
  at: string,
): string[] {
  const problems: string[] = [];
  for (const [name, attribute] of Object.entries(attributes)) {
    const v = value[name];
    if (v === undefined) {
      if (attribute.required) problems.push(`${at}.${name}: required, not set`);
      continue;
    }
    if (attribute.computed && !attribute.optional && !attribute.required) {
      problems.push(`${at}.${name}: computed only, cannot be set`);
      continue;
    }
    if (attribute.nested_type) {
      const { nesting_mode: mode, attributes: inner } = attribute.nested_type;
      const items = mode === "single" ? [v] : mode === "map" ? Object.values(v as object) : (v as unknown[]);
      if (mode !== "single" && mode !== "map" && !Array.isArray(v))
        problems.push(`${at}.${name}: expected a ${mode}`);
      for (const [i, item] of items.entries()) {
        if (typeof item !== "object" || item === null || Array.isArray(item)) {
          problems.push(`${at}.${name}[${i}]: expected an object`);
          continue;
        }
        problems.push(
          ...checkObject(item as Record<string, unknown>, { attributes: inner }, `${at}.${name}[${i}]`),
        );
      }
    } else if (attribute.type !== undefined) {
      problems.push(...typeProblem(v, attribute.type, `${at}.${name}`));
    }
  }
  return problems;
}

/** Every key of `value` is an attribute or block of `block`; required ones are set; types and nesting match. */
export function checkObject(value: Record<string, unknown>, block: Block, at: string): string[] {
  const problems: string[] = [];
  const attributes = block.attributes ?? {};
  const blocks = block.block_types ?? {};
  for (const key of Object.keys(value)) {
    if (!META.has(key) && !(key in attributes) && !(key in blocks))
      problems.push(`${at}.${key}: not in the schema`);
  }
  problems.push(...attributesProblems(value, attributes, at));
  for (const [name, spec] of Object.entries(blocks)) {
    const v = value[name];
    const items = v === undefined ? [] : spec.nesting_mode === "single" || !Array.isArray(v) ? [v] : v;
    if (spec.nesting_mode !== "single" && v !== undefined && !Array.isArray(v))
      problems.push(`${at}.${name}: a ${spec.nesting_mode} block is written as an array`);
    if ((spec.min_items ?? 0) > items.length)
      problems.push(`${at}.${name}: at least ${spec.min_items} required`);
    if (spec.max_items !== undefined && items.length > spec.max_items)
      problems.push(`${at}.${name}: at most ${spec.max_items}, got ${items.length}`);
    for (const [i, item] of items.entries()) {
      if (typeof item !== "object" || item === null) problems.push(`${at}.${name}[${i}]: expected a block`);
      else problems.push(...checkObject(item as Record<string, unknown>, spec.block, `${at}.${name}[${i}]`));
    }
  }
  return problems;
}

export interface Synthesized {
  provider?: Record<string, Record<string, unknown>[]>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
}

/** Every `prefix_*` resource, data source and provider block of a stack, checked. */
export function checkStack(stack: Synthesized, schema: ProviderSchema, prefix = "yandex"): string[] {
  const problems: string[] = [];
  for (const config of stack.provider?.[prefix] ?? [])
    problems.push(...checkObject(config, schema.provider.block, `provider.${prefix}`));
  for (const [kind, schemas, label] of [
    [stack.resource ?? {}, schema.resource_schemas, "resource"],
    [stack.data ?? {}, schema.data_source_schemas ?? {}, "data"],
  ] as const) {
    for (const [type, instances] of Object.entries(kind)) {
      if (!type.startsWith(`${prefix}_`)) continue;
      const spec = schemas[type];
      if (!spec) {
        problems.push(`${label}.${type}: not in the schema fixture`);
        continue;
      }
      for (const [name, instance] of Object.entries(instances))
        problems.push(...checkObject(instance, spec.block, `${label}.${type}.${name}`));
    }
  }
  return problems;
}
