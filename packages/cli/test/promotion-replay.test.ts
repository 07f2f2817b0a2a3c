import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { configFromEnv, serveLock } from "@lockstep/inference";
import { trainedProject, trainInto } from "@lockstep/inference/testing";
import { withSection } from "@lockstep/github";
import { serializeLock, type LockFile } from "@lockstep/lockfile";
import { REPLAY_SECTION } from "@lockstep/proposal";
import { promote } from "../src/commands/change-requests.js";
import { capture } from "./capture.js";

/*
 * The promotion's shadow replay: production serves pin A with the replay sample on and takes
 * traffic; staging's pin B (another seed) is promoted with that sample, and the pull request
 * shows B replayed against A with the canary's predicted verdict.
 */

const exec = promisify(execFile);
let dir: string;
let lockFile: string;

beforeAll(async () => {
  const project = await trainedProject();
  dir = project.dir;
  lockFile = join(dir, "models.lock.json");
  const a = project.lock.models["co2-forecast"]!.pins.staging!;
  const withA: LockFile = {
    ...project.lock,
    models: {
      ...project.lock.models,
      "co2-forecast": { ...project.lock.models["co2-forecast"]!, pins: { production: a, staging: a } },
    },
  };
  const { lock } = await trainInto(dir, withA, "co2-forecast", { seed: 5 });
  expect(lock.models["co2-forecast"]!.pins.staging!.sha256).not.toBe(a.sha256);
  await writeFile(lockFile, serializeLock(lock));
  const git = (...args: string[]) =>
    exec("git", ["-c", "user.email=t@x", "-c", "user.name=t", ...args], { cwd: dir });
  await git("init", "-q", "--initial-branch=main");
  await git("add", "models.lock.json");
  await git("commit", "-q", "-m", "production A, staging B");

  // production's pods: every answered request sampled beside the log
  const config = configFromEnv({
    LOCKSTEP_LOCK: lockFile,
    LOCKSTEP_ENV: "production",
    PORT: "0",
    LOCKSTEP_PREDICTION_LOG: "jsonl",
    LOCKSTEP_REPLAY: "on",
    LOCKSTEP_REPLAY_SAMPLE: "1",
    LOCKSTEP_WATCH_LOCK_MS: "0",
  });
  const { server, port } = await serveLock({ config, host: "127.0.0.1", logger: pino({ level: "silent" }) });
  try {
    await server.registry.settled();
    for (let i = 0; i < 60; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ horizon: 1 + (i % 24) }),
      });
      expect(response.status).toBe(200);
    }
  } finally {
    await server.close();
  }
}, 300_000);

describe("promotion with a replay sample", () => {
  it("replays staging's pin against production's in the pull request", async () => {
    const out = capture();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ["LOCKSTEP_PROMETHEUS_URL", "LOCKSTEP_REPORT_STORE", "LOCKSTEP_STORE"]) delete env[key];
    const result = await promote(
      "co2-forecast",
      { lock: lockFile, local: true, replaySample: join(dir, ".lockstep", "replay") },
      out,
      env,
    );
    const body = result.draft.body;
    expect(body).toContain("### Evidence from `staging`");
    expect(body).toMatch(/Shadow replay: co2-forecast \(production\)/);
    expect(body).toMatch(/60 sampled requests from/);
    expect(body).toMatch(/\*\*Predicted canary verdict: (✅ pass|❌ fail|⚠️ inconclusive)\*\*/);
    // no deployment config here: no store to read reports from, and the row says so
    expect(body).toMatch(/\| latest monitor report \| ⚠️ no report store configured/);
    // in the section verify-models' replay job rewrites: its replay takes this one's place, inside the evidence
    const rewritten = withSection(body, REPLAY_SECTION, "### Shadow replay: from verify-models");
    expect(rewritten.match(/Shadow replay/g)).toHaveLength(1);
    expect(rewritten.indexOf("Shadow replay: from verify-models")).toBeGreaterThan(
      rewritten.indexOf("### Evidence from `staging`"),
    );
    expect(rewritten.slice(0, rewritten.indexOf("<!-- lockstep-section:replay -->"))).toBe(
      body.slice(0, body.indexOf("<!-- lockstep-section:replay -->")),
    );
  }, 120_000);
});
