import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "@lockstep/cli";
import { emptyLock, parseLock, type LockFile, type Pin } from "@lockstep/lockfile";
import { co2Forecast } from "@lockstep/models";
import { verificationTable, verifyChangedPins, verifyPin } from "../src/index.js";

const exec = promisify(execFile);
let dir: string;
let lock: LockFile;
let pin: Pin;
const quiet = { result() {}, json() {}, progress() {}, warn() {}, error() {} };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lockstep-verify-"));
  await exec("git", ["init", "-q", dir]);
  const lockFile = join(dir, "models.lock.json");
  const { exitCode } = await run(
    [
      "train",
      "co2-forecast",
      "--params",
      JSON.stringify(co2Forecast.smokeParams),
      "--lock",
      lockFile,
      "--pin",
    ],
    quiet,
  );
  expect(exitCode).toBe(0);
  lock = parseLock(await readFile(lockFile, "utf8"));
  pin = lock.models["co2-forecast"]!.pins.staging!;
}, 120_000);

const options = () => ({ storeOptions: { baseDir: dir } });
const failed = (r: { checks: { name: string; ok: boolean }[] }) =>
  r.checks.filter((c) => !c.ok).map((c) => c.name);

describe("verifyPin", () => {
  it("passes a pin made by training: artifact, size, card, metrics, evaluation, onnxruntime, golden inputs", async () => {
    const result = await verifyPin("co2-forecast", "staging", pin, options());
    expect(result.checks.map((c) => c.name)).toEqual([
      "artifact",
      "size",
      "card",
      "metrics",
      "evaluation",
      "onnxruntime",
      "golden",
    ]);
    expect(failed(result)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("catches metrics edited by hand in the lock", async () => {
    const edited = { ...pin, metrics: { ...pin.metrics, mape_h12: pin.metrics.mape_h12! / 2 } };
    const result = await verifyPin("co2-forecast", "staging", edited, options());
    expect(result.ok).toBe(false);
    expect(failed(result)).toEqual(["metrics"]);
    expect(result.checks.find((c) => c.name === "metrics")!.detail).toMatch(
      /mape_h12: pinned .*the card says/,
    );
  });

  it("catches a pin that points at a missing object", async () => {
    const missing = {
      ...pin,
      sha256: "0".repeat(64),
      uri: `file://.lockstep/store/sha256/${"0".repeat(64)}`,
    };
    const result = await verifyPin("co2-forecast", "staging", missing, options());
    expect(failed(result)).toEqual(["artifact"]);
    expect(result.checks).toHaveLength(1);
  });

  it("catches a tampered artifact", async () => {
    const copy = await mkdtemp(join(tmpdir(), "lockstep-verify-tampered-"));
    await exec("cp", ["-r", join(dir, ".lockstep"), copy]);
    const file = join(copy, ".lockstep", "store", "sha256", pin.sha256);
    const bytes = await readFile(file);
    bytes[bytes.length - 10] ^= 0xff;
    await chmod(file, 0o644);
    await writeFile(file, bytes);
    const result = await verifyPin("co2-forecast", "staging", pin, { storeOptions: { baseDir: copy } });
    expect(failed(result)).toEqual(["artifact"]);
    expect(result.checks[0]!.detail).toMatch(/sha-?256|integrity|mismatch/i);
  });

  it("catches an artifact pinned under another model's name, and a wrong size", async () => {
    expect(failed(await verifyPin("btc-signal", "staging", pin, options()))).toEqual(["card"]);
    expect(
      failed(await verifyPin("co2-forecast", "staging", { ...pin, bytes: pin.bytes + 1 }, options())),
    ).toEqual(["size"]);
  });
});

describe("verifyChangedPins", () => {
  it("verifies only what changed, and tables what did not hold", async () => {
    expect(await verifyChangedPins(lock, lock, options())).toEqual([]);
    const edited: LockFile = structuredClone(lock);
    edited.models["co2-forecast"]!.pins.staging!.metrics.rmse_h12 = 0.000001;
    const results = await verifyChangedPins(emptyLock(), edited, options());
    expect(results).toHaveLength(1);
    const table = verificationTable(results);
    expect(table).toContain("| co2-forecast | staging | 1 | metrics | ❌ | rmse_h12: pinned 0.000001");
    expect(table).toContain("| co2-forecast | staging | 1 | artifact | ✅ |");
    expect(verificationTable([])).toBe("No pin was added or changed.");
  });
});
