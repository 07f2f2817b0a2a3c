import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/index.js";
import { capture } from "./capture.js";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("lockstep bootstrap", () => {
  let dir: string;
  const args = (...rest: string[]) => ["bootstrap", ...rest, "--lock", join(dir, "models.lock.json")];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lockstep-bootstrap-cli-"));
    await cp(join(ROOT, "models.lock.json"), join(dir, "models.lock.json"));
    await cp(join(ROOT, "lockstep.deploy.json"), join(dir, "lockstep.deploy.json"));
    await cp(join(ROOT, "docs/deploy.md"), join(dir, "deploy.md"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("prints the numbered steps, and as JSON who provides each requirement", async () => {
    const out = capture();
    expect((await run(args(), out)).exitCode).toBe(0);
    expect(out.text()).toMatch(/^1\. \*\*The store key of production/m);
    const json = capture();
    expect((await run(args("--json"), json)).exitCode).toBe(0);
    const report = JSON.parse(json.text());
    expect(report.missing).toEqual([]);
    expect(report.requirements.every((r: { providedBy: string | null }) => r.providedBy)).toBe(true);
  });

  it("--check finds a stale block, --docs rewrites it, and then it is up to date", async () => {
    const docs = join(dir, "deploy.md");
    expect((await run(args("--docs", docs, "--check"), capture())).exitCode).toBe(0);
    const config = JSON.parse(await readFile(join(dir, "lockstep.deploy.json"), "utf8"));
    config.environments.staging.monitoring.clickhouseSecret = "ch-logs";
    await writeFile(join(dir, "lockstep.deploy.json"), JSON.stringify(config));
    const stale = capture();
    expect((await run(args("--docs", docs, "--check"), stale)).exitCode).toBe(1);
    expect(stale.text()).toContain("stale");
    expect((await run(args("--docs", docs), capture())).exitCode).toBe(0);
    expect(await readFile(docs, "utf8")).toContain("create secret generic ch-logs");
    expect((await run(args("--docs", docs, "--check"), capture())).exitCode).toBe(0);
  });

  it("refuses a document without its block, a missing document, and --check alone, with exit 2", async () => {
    const plain = join(dir, "plain.md");
    await writeFile(plain, "# no block here\n");
    const none = capture();
    expect((await run(args("--docs", plain), none)).exitCode).toBe(2);
    expect(none.errors()).toContain("no single generated bootstrap-steps block");
    await writeFile(
      plain,
      `${await readFile(join(dir, "deploy.md"), "utf8")}\n${await readFile(join(dir, "deploy.md"), "utf8")}`,
    );
    expect((await run(args("--docs", plain), capture())).exitCode).toBe(2);
    expect((await run(args("--docs", join(dir, "nope.md")), capture())).exitCode).toBe(2);
    expect((await run(args("--check"), capture())).exitCode).toBe(2);
  });
});
