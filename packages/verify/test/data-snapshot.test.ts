import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveNpmUri } from "@lockstep/data";
import { btc, btcSignal, co2Forecast, trainCandidate } from "@lockstep/models";
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

describe("an exchange API's data (klines+http)", () => {
  it("is snapshotted as the candles read, and the pin is reproduced from it byte for byte once the API is gone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verify-klines-"));
    const text = (await readFile(resolveNpmUri(btcSignal.defaultData))).toString("utf8");
    const candles = btc.parseCandles(text, "sp500").candles;
    // a loopback stand-in for GET /api/v3/klines: pages by startTime and limit
    const server = createServer((req, res) => {
      const url = new URL(req.url!, "http://x");
      const start = Number(url.searchParams.get("startTime") ?? 0);
      const limit = Number(url.searchParams.get("limit") ?? 500);
      const page = candles.filter((c) => c.time >= start).slice(0, limit);
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify(
          page.map((c) => [
            c.time,
            `${c.open}`,
            `${c.high}`,
            `${c.low}`,
            `${c.close}`,
            `${c.volume}`,
            c.time + 1,
            "0",
            1,
            "0",
            "0",
            "0",
          ]),
        ),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const uri = `klines+http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3/klines?symbol=SPX&interval=1d`;
    let candidate;
    try {
      candidate = await trainCandidate({
        model: "btc-signal",
        data: uri,
        params: btcSignal.smokeParams,
        snapshot: { capBytes: 16 * 1024 ** 2 },
        context: { log: () => {}, baseDir: dir },
      });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const { pin } = candidate;
    expect(pin.evaluation.dataset).toBe(uri);
    const snapshot = candidate.snapshot as { sha256: string; bytes: number };
    expect(pin.evaluation.dataSnapshot).toBe(`sha256:${snapshot.sha256}`);
    const stored = await readFile(join(dir, ".lockstep", "store", "data", "sha256", snapshot.sha256), "utf8");
    expect(JSON.parse(stored)).toEqual(candles);
    const reproduced = await reproduceEvaluation(
      "btc-signal",
      pin,
      readCard(candidate.trained.onnx),
      { baseDir: dir },
      candidate.trained.onnx,
    );
    expect(reproduced.detail).toMatch(
      /^from the data snapshot \(klines\+http:\/\/127\.0\.0\.1:\d+\/api\/v3\/klines\?symbol=SPX&interval=1d cannot be read \(not a file but an API\): reading its data snapshot sha256:/,
    );
    expect(reproduced.detail).toMatch(/the rebuilt artifact is byte-identical$/);
    expect(reproduced.ok).toBe(true);
  }, 300_000);
});
