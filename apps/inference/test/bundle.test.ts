import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { writeLock } from "@lockstep/lockfile";
import { bundle } from "../scripts/bundle.js";
import { trainedProject } from "./fixture.js";

describe("the container bundle", () => {
  it("runs with only the native packages beside it, and never imports training libraries", async () => {
    const out = await mkdtemp(join(tmpdir(), "lockstep-bundle-"));
    const { main, monitor, dependencies } = await bundle(out);
    expect(Object.keys(dependencies).sort()).toEqual(["onnxruntime-node", "sharp"]);
    // everything the server evaluates at start: main.mjs and the chunks it imports statically;
    // training code (tfjs) must sit only in chunks reached through import()
    const seen = new Set<string>();
    const visit = async (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = await readFile(file, "utf8");
      expect(code, file).not.toMatch(/^import [^;]*["']@tensorflow\//m);
      for (const [, chunk] of code.matchAll(/^import [^;]*?from "(\.\/[^"]+)"/gms)) {
        await visit(resolve(dirname(file), chunk!));
      }
    };
    await visit(main);
    expect(seen.size).toBeGreaterThan(1);
    await visit(monitor);
    await symlink(resolve(import.meta.dirname, "../../../node_modules"), join(out, "node_modules"));

    const { dir, lock, candidate } = await trainedProject();
    await writeLock(join(dir, "models.lock.json"), lock);
    const child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        PORT: "0",
        LOCKSTEP_LOCK: join(dir, "models.lock.json"),
        LOCKSTEP_WATCH_LOCK_MS: "0",
        LOCKSTEP_PREDICTION_LOG: "jsonl",
        LOCKSTEP_PREDICTION_LOG_DIR: join(dir, "predictions"),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const port = await new Promise<number>((resolvePort, reject) => {
        child.stdout!.on("data", (chunk: Buffer) => {
          for (const line of String(chunk).split("\n").filter(Boolean)) {
            const entry = JSON.parse(line) as { msg: string; port?: number };
            if (entry.msg === "listening") resolvePort(entry.port!);
          }
        });
        child.once("exit", (status) => reject(new Error(`the bundle exited with ${status}`)));
      });
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 200 && !(await fetch(`${url}/readyz`)).ok; i++)
        await new Promise((r) => setTimeout(r, 25));
      const answer = await fetch(`${url}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"horizon": 2}',
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ sha256: candidate.pin.sha256 });
      expect((await fetch(`${url}/`)).status).toBe(200);
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }

    // the image's monitor-only `lockstep` reads that log and publishes its report to a store
    const job = spawnSync(
      process.execPath,
      [monitor, "monitor", "co2-forecast", "--log", join(dir, "predictions"), "--store", "file://published"],
      { env: { ...process.env, LOCKSTEP_LOCK: join(dir, "models.lock.json") }, encoding: "utf8" },
    );
    expect([0, 1], job.stderr).toContain(job.status);
    expect(job.stdout).toMatch(/^# co2-forecast v1: /m);
    const result = JSON.parse(
      await readFile(join(dir, "published/reports/monitor/co2-forecast/staging/latest/result.json"), "utf8"),
    ) as { window: { records: number } };
    expect(result.window.records).toBe(1);
    const help = spawnSync(process.execPath, [monitor, "train"], { encoding: "utf8" });
    expect(help.status).toBe(2);
    expect(help.stderr).toMatch(/unknown command 'train'/);
  }, 60_000);
});
