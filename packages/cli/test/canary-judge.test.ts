import { afterAll, describe, expect, it } from "vitest";
import { CliError } from "../src/errors.js";
import { canaryJudge, judgedModels } from "../src/commands/canary-judge.js";
import type { RunningJudge } from "@lockstep/monitor";
import { capture } from "./capture.js";

describe("lockstep canary-judge", () => {
  const running: RunningJudge[] = [];
  afterAll(async () => {
    for (const judge of running) await judge.close();
  });

  it("knows each model's checks from its spec", () => {
    expect(judgedModels()).toMatchObject({
      "btc-signal": { classes: true },
      "fish-classifier": { classes: true },
      "co2-forecast": { classes: false, valueMetric: "forecast_value_ppm" },
    });
  });

  it("serves the judge on the port asked, reading the Prometheus named", async () => {
    const out = capture();
    const judge = await canaryJudge({ prometheus: "http://127.0.0.1:1", port: "0", host: "127.0.0.1" }, out);
    running.push(judge);
    expect((await fetch(`${judge.url}/healthz`)).status).toBe(200);
    const unknown = await fetch(
      `${judge.url}/v1/canary/nope/class-shares?namespace=a&canary=b&stable=c&window=1m`,
    );
    expect(unknown.status).toBe(404);
    // Prometheus unreachable: 502, which Argo's web provider records as an Error measurement
    const down = await fetch(
      `${judge.url}/v1/canary/btc-signal/class-shares?namespace=a&canary=b&stable=c&window=1m`,
    );
    expect(down.status).toBe(502);
  });

  it("refuses a missing or malformed Prometheus URL and a bad port", async () => {
    await expect(canaryJudge({}, capture(), {})).rejects.toThrow(CliError);
    await expect(canaryJudge({ prometheus: "prometheus:9090" }, capture(), {})).rejects.toThrow(
      /http\(s\) URL/,
    );
    await expect(canaryJudge({ prometheus: "http://p:9090", port: "99999" }, capture(), {})).rejects.toThrow(
      CliError,
    );
  });
});
