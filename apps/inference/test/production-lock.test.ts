import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { productionLock, type PackageLock } from "../scripts/production-lock.js";

const root = async () =>
  JSON.parse(
    await readFile(resolve(import.meta.dirname, "../../../package-lock.json"), "utf8"),
  ) as PackageLock;

describe("the image's production lockfile", () => {
  it("holds the native packages and their whole closure, each entry as the repository's lock has it", async () => {
    const lock = await root();
    const cut = productionLock(lock, "lockstep-inference", ["onnxruntime-node", "sharp"]);
    expect(cut.lockfileVersion).toBe(3);
    const paths = Object.keys(cut.packages).filter(Boolean);
    for (const name of ["onnxruntime-node", "onnxruntime-common", "sharp", "detect-libc", "semver"])
      expect(paths, name).toContain(`node_modules/${name}`);
    for (const path of paths) {
      const { dev: _dev, devOptional: _o, peer: _p, ...original } = lock.packages[path]!;
      expect(cut.packages[path], path).toEqual(original);
      expect(cut.packages[path]!.integrity, path).toMatch(/^sha512-/);
    }
    // nothing outside the closure: no test or training library
    expect(paths.some((p) => /tensorflow|vitest|typescript|esbuild/.test(p))).toBe(false);
    expect(cut.packages[""]).toEqual({
      name: "lockstep-inference",
      dependencies: {
        "onnxruntime-node": lock.packages["node_modules/onnxruntime-node"]!.version,
        sharp: lock.packages["node_modules/sharp"]!.version,
      },
    });
  });

  it("refuses a required dependency the lock does not hold, and skips an absent optional one", () => {
    const lock: PackageLock = {
      lockfileVersion: 3,
      packages: {
        "node_modules/a": { version: "1.0.0", dependencies: { b: "^1" }, optionalDependencies: { c: "1" } },
        "node_modules/b": { version: "1.2.0", dependencies: { d: "^2" } },
        "node_modules/b/node_modules/d": { version: "2.0.0" },
        "node_modules/d": { version: "3.0.0" },
      },
    };
    const cut = productionLock(lock, "x", ["a"]);
    // b's d resolves to the copy nested under b, as Node would
    expect(Object.keys(cut.packages)).toEqual([
      "",
      "node_modules/a",
      "node_modules/b",
      "node_modules/b/node_modules/d",
    ]);
    delete lock.packages["node_modules/b/node_modules/d"];
    expect(Object.keys(productionLock(lock, "x", ["a"]).packages)).toContain("node_modules/d");
    delete lock.packages["node_modules/d"];
    expect(() => productionLock(lock, "x", ["a"])).toThrow(
      /package-lock.json has no entry for d \(needed by node_modules\/b\)/,
    );
  });
});
