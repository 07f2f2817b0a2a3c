import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveNpmUri } from "@lockstep/data";
import { co2Forecast, trainCandidate } from "@lockstep/models";
import { readCard } from "@lockstep/onnx";
import { evaluationData, reproduceEvaluation } from "../src/index.js";

describe("a pull request's pin with a local dataset and a data snapshot", () => {
  it("is reproduced from the snapshot in the store, never from the runner's file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verify-snapshot-"));
    await writeFile(join(dir, "co2.csv"), await readFile(resolveNpmUri(co2Forecast.defaultData)));
    const candidate = await trainCandidate({
      model: "co2-forecast",
      data: "co2.csv",
      params: co2Forecast.smokeParams,
      snapshot: { capBytes: 1024 ** 2 },
      context: { log: () => {}, baseDir: dir },
    });
    const { pin } = candidate;
    expect(pin.evaluation.dataSnapshot).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(evaluationData("co2-forecast", pin, { untrustedPins: true })).toEqual({
      dataset: "co2.csv",
      snapshotOnly: true,
    });
    const { dataSnapshot: _, ...withoutSnapshot } = pin.evaluation;
    expect(
      evaluationData("co2-forecast", { ...pin, evaluation: withoutSnapshot }, { untrustedPins: true })
        .refused,
    ).toMatch(/is a local path, which a pull request's pin may not make the verifier read/);
    // the runner's file is something else entirely: it must not be read
    await writeFile(join(dir, "co2.csv"), "not,the,data\n");
    const card = readCard(candidate.trained.onnx);
    const reproduced = await reproduceEvaluation(
      "co2-forecast",
      pin,
      card,
      { baseDir: dir, untrustedPins: true },
      candidate.trained.onnx,
    );
    expect(reproduced.detail).toMatch(
      /^from the data snapshot \(co2\.csv cannot be read \(not read: a local path a pull request's pin names\): reading its data snapshot sha256:[0-9a-f]{64} from file:\/\/\.lockstep\/store instead/,
    );
    expect(reproduced.detail).toMatch(/the rebuilt artifact is byte-identical$/);
    expect(reproduced.ok).toBe(true);
  }, 300_000);
});
