// What the repository's workflow files declare for dispatches, read the way GitHub reads them:
// `on.workflow_dispatch.inputs` (names, required, choice options) and `on.repository_dispatch.types`.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import type { DeclaredWorkflow } from "./fake-github.js";

type Trigger = Record<string, unknown> | string | string[] | undefined;

function triggers(on: Trigger): Record<string, unknown> {
  if (typeof on === "string") return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((name) => [name, null]));
  return on ?? {};
}

/** Every workflow in `<root>/.github/workflows`, by file name. */
export async function declaredWorkflows(root: string): Promise<Record<string, DeclaredWorkflow>> {
  const dir = join(root, ".github", "workflows");
  const out: Record<string, DeclaredWorkflow> = {};
  for (const file of (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const doc = parse(await readFile(join(dir, file), "utf8")) as { on?: Trigger; true?: Trigger };
    // YAML 1.1 reads a bare `on` key as true
    const on = triggers(doc.on ?? doc.true);
    const declared: DeclaredWorkflow = {};
    if ("workflow_dispatch" in on) {
      const inputs = ((on.workflow_dispatch as { inputs?: Record<string, Record<string, unknown>> } | null)
        ?.inputs ?? {}) as Record<string, { required?: boolean; options?: string[] }>;
      declared.dispatch = {
        inputs: Object.fromEntries(
          Object.entries(inputs).map(([name, spec]) => [
            name,
            {
              required: spec.required === true,
              ...(Array.isArray(spec.options) ? { options: spec.options.map(String) } : {}),
            },
          ]),
        ),
      };
    }
    if ("repository_dispatch" in on) {
      const types = (on.repository_dispatch as { types?: string[] } | null)?.types;
      declared.repositoryDispatchTypes = Array.isArray(types) ? types.map(String) : [];
    }
    out[file] = declared;
  }
  return out;
}
