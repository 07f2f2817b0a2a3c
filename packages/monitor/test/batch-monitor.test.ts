import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { categoricalProfile, numericProfile } from "@lockstep/ml";
import {
  MonitorError,
  monitorHtml,
  monitorMarkdown,
  monitorWindow,
  readPredictionLog,
} from "../src/index.js";
import { record } from "./fixtures.js";

const pin = { model: "co2-forecast", version: "2", sha256: "a".repeat(64) };
const profile = {
  features: {
    monthly_change: numericProfile(
      Array.from({ length: 500 }, (_, i) => Math.sin(i / 3)),
      { bins: 10, resolution: 20 },
    ),
  },
  predictions: { label: categoricalProfile(Array.from({ length: 100 }, (_, i) => (i % 2 ? "a" : "b"))) },
};
const day = "2026-12-05";

async function logDir(lines: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lockstep-monitor-"));
  await writeFile(join(dir, `predictions-${day}.jsonl`), `${lines.join("\n")}\n`);
  await writeFile(
    join(dir, "predictions-2026-11-01.jsonl"),
    `${JSON.stringify(record({ time: "2026-11-01T00:00:00Z", sha256: "d".repeat(64) }))}\n`,
  );
  await writeFile(join(dir, "notes.txt"), "not a log");
  return dir;
}

const line = (i: number, change: number, label = i % 2 ? "a" : "b") =>
  JSON.stringify(
    record({
      requestId: `r${i}`,
      time: `${day}T10:${String(i % 60).padStart(2, "0")}:00Z`,
      features: { monthly_change: change },
      prediction: { label },
      latencyMs: i % 10,
    }),
  );

describe("monitoring a window of logged predictions", () => {
  it("is healthy on data like the reference, skipping and counting what is not its own", async () => {
    const dir = await logDir([
      ...Array.from({ length: 300 }, (_, i) => line(i, Math.sin(i / 3 + 0.1))),
      "{not json",
      JSON.stringify(record({ model: "btc-signal" })),
      JSON.stringify(record({ sha256: "b".repeat(64) })),
      "x".repeat(100_000),
    ]);
    const read = await readPredictionLog(dir, {
      model: "co2-forecast",
      sha256: pin.sha256,
      since: Date.parse(`${day}T00:00:00Z`),
    });
    expect(read).toMatchObject({ invalid: 2, otherModel: 1, otherArtifact: 1, older: 0 });
    const result = monitorWindow(pin, profile, read);
    expect(result.status).toBe("healthy");
    expect(result.window.records).toBe(300);
    expect(result.features[0]).toMatchObject({ column: "monthly_change", test: "ks", drift: false });
    expect(result.latencyMs.p99).toBe(9);
    expect(monitorMarkdown(result)).toMatch(/^# co2-forecast v2: healthy/);
  });

  it("drifts when most columns shift, and the reports say which", async () => {
    const dir = await logDir(Array.from({ length: 300 }, (_, i) => line(i, 3 + Math.sin(i / 3), "a")));
    const result = monitorWindow(
      pin,
      profile,
      await readPredictionLog(dir, { model: "co2-forecast", sha256: pin.sha256 }),
    );
    expect(result.status).toBe("drift");
    expect(result.driftShare).toBe(1);
    const html = monitorHtml(result);
    expect(html).toMatch(/<svg[^>]*aria-label="monthly_change/);
    expect(html).not.toMatch(/<script/);
    expect(monitorMarkdown(result)).toContain("| monthly_change | numeric | ks |");
  });

  it("refuses a window with nothing to judge, and a card without a profile", async () => {
    const dir = await logDir([JSON.stringify(record({ model: "btc-signal" })), "garbage"]);
    const read = await readPredictionLog(dir, { model: "co2-forecast", sha256: pin.sha256 });
    expect(() => monitorWindow(pin, profile, read)).toThrow(
      /no predictions of co2-forecast v2 .* 1 malformed lines, 1 of other models/,
    );
    expect(() => monitorWindow(pin, undefined, read)).toThrow(/has no reference profile/);
    await expect(readPredictionLog(join(dir, "missing"), { model: "co2-forecast" })).rejects.toThrow(
      MonitorError,
    );
  });

  it("escapes what it writes into HTML", async () => {
    const hostile = {
      ...profile,
      predictions: { label: categoricalProfile(["<script>alert(1)</script>", "a"]) },
    };
    const dir = await logDir(
      Array.from({ length: 50 }, (_, i) => line(i, 0, "<img src=x onerror=alert(1)>")),
    );
    const html = monitorHtml(
      monitorWindow(pin, hostile, await readPredictionLog(dir, { model: "co2-forecast" })),
    );
    expect(html).not.toMatch(/<script>|<img /);
    expect(html).toContain("&lt;img src=x");
  });
});
