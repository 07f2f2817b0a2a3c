// docs/security.md states the policy the other trust tests enforce: its tables must say the same.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ACCOUNTS, JOBS } from "./policy.js";
import { ROOT } from "./workflows.js";

const doc = readFileSync(join(ROOT, "docs", "security.md"), "utf8");
const rows = (first: RegExp) =>
  doc
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => l.split("|").map((c) => c.trim()))
    .filter((cells) => first.test(cells[1]!));

describe("docs/security.md", () => {
  it("names every service account with exactly the roles infra/ grants it", () => {
    const documented = rows(/^`lockstep-[a-z-]+`$/);
    expect(documented.map((r) => r[1]!.replace(/`/g, "")).sort()).toEqual(Object.keys(ACCOUNTS).sort());
    for (const row of documented) {
      const account = row[1]!.replace(/`/g, "");
      const named = [...row[2]!.matchAll(/`([a-z][\w.-]*)`/g)].map((m) => m[1]!).sort();
      const granted = ACCOUNTS[account]!.map((r) => r.split("@")[0]!).sort();
      expect(named, account).toEqual(granted);
    }
  });

  it("names every workflow job with its account", () => {
    const documented = rows(/^`[\w*-]+\.yml\/[\w-]+`$|^`\*\/notify`$/).map((r) => ({
      job: r[1]!.replace(/`/g, ""),
      account: r[3]!,
    }));
    for (const [job, policy] of Object.entries(JOBS)) {
      const row = documented.find((d) => d.job === job || (d.job === "*/notify" && job.endsWith("/notify")));
      expect(row, job).toBeDefined();
      if (policy.account) expect(row!.account, job).toContain(`(\`${policy.account}\`)`);
      else expect(row!.account, job).toBe("none");
    }
  });
});
