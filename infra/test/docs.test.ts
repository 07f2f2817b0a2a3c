// The runbook (docs/infra.md) and its first apply at a glance must be followable as written: each
// step uses only what the steps before it made, and what they say about secrets is true.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./synth.js";

const runbook = readFileSync(join(ROOT, "docs", "infra.md"), "utf8");
/** The runbook's "first apply at a glance": from its heading to the next section. */
const bootstrap = (() => {
  const start = runbook.indexOf("\n## The first apply at a glance\n");
  expect(start, "docs/infra.md has a ## The first apply at a glance section").toBeGreaterThan(0);
  return runbook.slice(start, runbook.indexOf("\n## ", start + 1));
})();

/** Where `pattern` first occurs, failing when it does not. */
const at = (text: string, pattern: RegExp, what: string) => {
  const match = pattern.exec(text);
  expect(match, `${what} (${pattern})`).not.toBeNull();
  return match!.index;
};

describe.each([
  ["docs/infra.md", runbook],
  ["docs/infra.md's first apply at a glance", bootstrap],
])("%s", (_name, text) => {
  it("creates the state backend's access key before any step that needs it, and roles only on what exists", () => {
    const key = at(text, /yc iam access-key create/, "an access key for the S3 backend is made");
    const localApply = at(
      text,
      /terraform -chdir=infra\/cdktf\.out\/stacks\/storage apply/,
      "storage is applied",
    );
    const migrate = at(
      text,
      /terraform -chdir=infra\/cdktf\.out\/stacks\/storage init -migrate-state/,
      "its state moves",
    );
    expect(key).toBeLessThan(migrate);
    expect(localApply).toBeLessThan(migrate);
    // the state bucket and the key do not exist before storage is applied: no role may name them
    expect(text.slice(0, localApply)).not.toMatch(
      /on the state bucket|storage bucket add-access-binding|--bucket/,
    );
    // the root script's `--` would hand the flag to npm, not to synth
    expect(text).not.toMatch(/npm run synth -- --local-state/);
    expect(text).toMatch(/npm run -w infra synth -- --local-state/);
  });
});

describe("docs/infra.md", () => {
  it("applies the stacks in the order the code derives, and ends by handing over to docs/deploy.md", () => {
    expect(runbook).toContain("npm run -s -w infra stacks -- --order");
    expect(runbook.trimEnd()).toMatch(/\(deploy\.md\)[^\n]*$/);
  });

  it("says where the Redis password is: the cache stack's state and plan files, marked sensitive", () => {
    expect(runbook).not.toMatch(/in no (file|code)[^.]*plan output/);
    expect(runbook).toMatch(/Redis password[^]*?in the `cache` stack's state[^]*?plan file/);
  });
});
