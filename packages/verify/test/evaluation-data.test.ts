import { describe, expect, it } from "vitest";
import type { Pin } from "@lockstep/lockfile";
import { evaluationData, isLocalData } from "../src/index.js";

const pin = (dataset: string) =>
  ({ evaluation: { protocol: "p", dataset, datasetSha256: "d".repeat(64) } }) as unknown as Pin;

describe("the data a re-run reads", () => {
  it("takes a pull request's pin's dataset only when it is not a local path", () => {
    for (const local of [
      "file:///etc/passwd",
      "file://../secrets.csv",
      "/home/runner/.ssh/id_rsa",
      "data.csv",
    ]) {
      expect(isLocalData(local), local).toBe(true);
      expect(evaluationData("co2-forecast", pin(local), { untrustedPins: true }).refused, local).toMatch(
        /is a local path, which a pull request's pin may not make the verifier read: give a mirror \(co2-forecast=<uri>\)/,
      );
      // the repository's own lock (verify without --head) may name its local data
      expect(evaluationData("co2-forecast", pin(local), {})).toEqual({ dataset: local });
    }
    for (const remote of [
      "npm:vega-datasets/data/co2-concentration.csv",
      "https://example.com/x.csv",
      "s3://b/k.csv",
    ])
      expect(evaluationData("co2-forecast", pin(remote), { untrustedPins: true }), remote).toEqual({
        dataset: remote,
      });
    // a mirror the workflow gives (base data) wins
    expect(
      evaluationData("co2-forecast", pin("/etc/passwd"), {
        untrustedPins: true,
        data: { "co2-forecast": "npm:x/y.csv" },
      }),
    ).toEqual({ dataset: "npm:x/y.csv" });
  });
});
