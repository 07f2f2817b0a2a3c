import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bumpPin, emptyLock, serializeLock, type LockFile } from "@lockstep/lockfile";
import { evidenceSection, GitRepo, pinSoak } from "../src/index.js";
import { candidate, currentPin } from "./fixture.js";

const sha = (c: string) => c.repeat(64);
const pinned = (c: string, version: string) => ({
  ...currentPin,
  version,
  sha256: sha(c),
  uri: `s3://m/sha256/${sha(c)}`,
});
const withPin = (lock: LockFile, model: string, env: string, c: string) =>
  bumpPin(lock, model, env, pinned(c, "1"), candidate.gate);
const DAY = 86_400_000;
const NOW = new Date("2026-12-07T12:00:00Z");
const at = (days: number) => new Date(NOW.getTime() - days * DAY);

/** A repository whose main branch commits `steps` in order, each at its committer time. */
async function history(steps: { lock: LockFile; time: Date; branch?: string }[]): Promise<GitRepo> {
  const dir = await mkdtemp(join(tmpdir(), "lockstep-soak-"));
  const git = new GitRepo(dir);
  await git.run(["init", "-q", "-b", "main"]);
  for (const step of steps) {
    await writeFile(join(dir, "models.lock.json"), serializeLock(step.lock));
    await git.run(["add", "models.lock.json"]);
    const date = step.time.toISOString();
    await git.run(["commit", "-q", "-m", "step"], {
      env: {
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@x",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@x",
        // written long before it was merged: the merge's time is what counts
        GIT_AUTHOR_DATE: at(30).toISOString(),
        GIT_COMMITTER_DATE: date,
      },
    });
  }
  return git;
}

describe("pinSoak", () => {
  it("counts from the merge that pinned the artifact in its newest stretch, through other models' changes", async () => {
    const a = withPin(emptyLock(), "co2-forecast", "staging", "a");
    const b = withPin(a, "co2-forecast", "staging", "b");
    const aAgain = withPin(b, "co2-forecast", "staging", "a");
    const git = await history([
      { lock: a, time: at(10) },
      { lock: b, time: at(6) },
      { lock: aAgain, time: at(3) },
      { lock: withPin(aAgain, "btc-signal", "staging", "c"), time: at(1) },
      {
        lock: withPin(withPin(aAgain, "btc-signal", "staging", "c"), "co2-forecast", "production", "b"),
        time: at(0.5),
      },
    ]);
    const soak = await pinSoak(git, "main", "models.lock.json", "co2-forecast", "staging", sha("a"), NOW);
    expect(soak).toMatchObject({ since: at(3), truncated: false, ms: 3 * DAY });
    expect(soak!.until).toBeUndefined();
    // b was staging's pin from day 6 to day 3, and is no longer
    const b6 = await pinSoak(git, "main", "models.lock.json", "co2-forecast", "staging", sha("b"), NOW);
    expect(b6).toMatchObject({ since: at(6), until: at(3), ms: 3 * DAY });
    // never staging's: undefined; production's pin is not staging's history
    expect(
      await pinSoak(git, "main", "models.lock.json", "co2-forecast", "staging", sha("f"), NOW),
    ).toBeUndefined();
    expect(
      await pinSoak(git, "main", "models.lock.json", "co2-forecast", "production", sha("b"), NOW),
    ).toMatchObject({ ms: 0.5 * DAY });

    const section = evidenceSection({
      from: "staging",
      to: "production",
      sha256: sha("a"),
      soak: soak!,
      reportNote: "no monitor report in file:///s/reports/monitor/co2-forecast/staging/latest/",
      trafficNote: "no Prometheus URL",
      requirements: { minSoak: "4d", minSoakMs: 4 * DAY, healthyReport: true },
    });
    expect(section).toContain(
      `| served in staging | 3d: pinned since ${at(3).toISOString().slice(0, 16).replace("T", " ")} UTC`,
    );
    expect(section).toContain(
      "| production requires (verify checks) | ❌ served ≥ 4d; ❌ a healthy latest report of this pin |",
    );
    expect(section).toContain("| latest monitor report | ⚠️ no monitor report in file:///s/reports/");
  });
});
