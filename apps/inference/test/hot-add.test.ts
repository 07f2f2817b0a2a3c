import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyLock, type LockFile } from "@lockstep/lockfile";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, trainInto } from "./fixture.js";

let dir: string;
let lock: LockFile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lockstep-hot-add-"));
  ({ lock } = await trainInto(dir, emptyLock(), "co2-forecast"));
  ({ lock } = await trainInto(dir, lock, "btc-signal"));
}, 300_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

const forecast = (url: string) =>
  fetch(`${url}/v1/models/co2-forecast/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"horizon": 3}',
  });

describe("a pinned model still being built (npm start's hot add)", () => {
  it("serves the models that are ready, stays unready until the pending one is added by a reload", async () => {
    const { server, url } = await startServer(lock, dir, { pending: ["btc-signal"] });
    try {
      await server.registry.settled();
      expect((await forecast(url)).status).toBe(200);
      const before = await fetch(`${url}/readyz`);
      expect(before.status).toBe(503);
      const body = (await before.json()) as { models: { name: string; state: string }[] };
      expect(body.models.find((m) => m.name === "btc-signal")!.state).toBe("loading");
      expect(
        (
          await fetch(`${url}/v1/models/btc-signal/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: "{}",
          })
        ).status,
      ).toBe(503);

      // a reload before the build is done leaves it loading: no attempt, no failure logged
      const early = await server.reload(lock);
      expect(early.find((o) => o.model === "btc-signal")!.result).toBe("pending");
      expect(server.registry.statusOf("btc-signal")!.state).toBe("loading");

      server.registry.built("btc-signal");
      const outcomes = await server.reload(lock);
      expect(outcomes.find((o) => o.model === "btc-signal")!.result).toBe("loaded");
      expect(outcomes.find((o) => o.model === "co2-forecast")!.result).toBe("unchanged");
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("says why a pending model failed to build, and keeps serving the rest", async () => {
    const { server, url } = await startServer(lock, dir, { pending: ["btc-signal"] });
    try {
      await server.registry.settled();
      server.registry.buildFailed(
        "btc-signal",
        Object.assign(new Error("rebuild differs"), { code: "PIN_NOT_REPRODUCIBLE" }),
      );
      const status = server.registry.statusOf("btc-signal")!;
      expect(status).toMatchObject({
        state: "failed",
        error: { code: "PIN_NOT_REPRODUCIBLE", message: "rebuild differs" },
      });
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      expect((await forecast(url)).status).toBe(200);
      // a model already serving is never marked failed by a build
      server.registry.buildFailed("co2-forecast", new Error("ignored"));
      expect(server.registry.statusOf("co2-forecast")!.state).toBe("ready");
    } finally {
      await server.close();
    }
  });
});
