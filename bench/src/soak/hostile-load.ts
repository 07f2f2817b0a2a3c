import { connect, type Socket } from "node:net";
import fc from "fast-check";
import {
  binaryRequest,
  bodyText,
  inferBody,
  rawHttpRequest,
  rawRequest,
  type ModelShape,
} from "@lockstep/inference/testing";

/** What the hostile senders did and were answered. */
export interface HostileTally {
  requests: number;
  byClass: Record<string, number>;
  /** Requests that got no HTTP answer at all (a reset or a timeout). */
  unanswered: number;
  stalledOpened: number;
  disconnects: number;
  bigAnswers: number;
}

const post = (path: string, type: string, body: Buffer, extra = "") =>
  Buffer.concat([
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n${extra}\r\n`,
    ),
    body,
  ]);

/** A pool of hostile requests drawn once (seeded) from the fuzz suite's generators. */
export function hostilePool(models: ModelShape[], size: number, seed: number): Buffer[] {
  const raw = fc.sample(rawHttpRequest(models), { numRuns: size, seed }).map((r) => r.bytes);
  const perModel = models.flatMap((model) => [
    ...fc
      .sample(inferBody(model), { numRuns: size / 4, seed })
      .map((body) =>
        post(`/v2/models/${model.name}/infer`, "application/json", Buffer.from(JSON.stringify(body))),
      ),
    ...fc
      .sample(binaryRequest(model), { numRuns: size / 4, seed })
      .map(({ body, headerLength }) =>
        post(
          `/v2/models/${model.name}/infer`,
          "application/octet-stream",
          body,
          `Inference-Header-Content-Length: ${headerLength}\r\n`,
        ),
      ),
    ...fc
      .sample(bodyText, { numRuns: size / 4, seed })
      .map((text) => post(`/v1/models/${model.name}/predict`, "application/json", Buffer.from(text))),
  ]);
  return [...raw, ...perModel];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs hostile traffic against `url` until `signal` aborts: `senders` loops of pooled hostile
 * requests, up to `stalled` bodies that never finish (reopened as the server drops them), clients
 * that hang up mid-body, and distinct valid requests with large answers (cache pressure).
 */
export async function hostileLoad(
  url: string,
  pool: Buffer[],
  bigAnswer: (n: number) => Buffer,
  options: { senders: number; stalled: number; signal: AbortSignal },
): Promise<HostileTally> {
  const tally: HostileTally = {
    requests: 0,
    byClass: {},
    unanswered: 0,
    stalledOpened: 0,
    disconnects: 0,
    bigAnswers: 0,
  };
  const { hostname, port } = new URL(url);
  const { signal } = options;
  const count = (status: number) => {
    const key = `${Math.floor(status / 100)}xx`;
    tally.byClass[key] = (tally.byClass[key] ?? 0) + 1;
  };
  const send = async (bytes: Buffer) => {
    tally.requests++;
    try {
      count((await rawRequest(url, bytes, 10_000)).status);
    } catch {
      tally.unanswered++;
    }
  };

  const senders = Array.from({ length: options.senders }, async (_, i) => {
    for (let n = i; !signal.aborted; n += options.senders) await send(pool[n % pool.length]!);
  });

  const open = new Set<Socket>();
  const stalls = (async () => {
    while (!signal.aborted) {
      while (open.size < options.stalled) {
        const socket = connect(Number(port), hostname);
        socket.on("error", () => {});
        socket.once("close", () => open.delete(socket));
        socket.write(
          'POST /v1/models/co2-forecast/predict HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"h\r\n',
        );
        open.add(socket);
        tally.stalledOpened++;
      }
      await sleep(100);
    }
    for (const socket of open) socket.destroy();
  })();

  const hangUps = (async () => {
    while (!signal.aborted) {
      const socket = connect(Number(port), hostname);
      socket.on("error", () => {});
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(
        'POST /v2/models/co2-forecast/infer HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"inputs": [',
      );
      await sleep(5);
      socket.destroy();
      tally.disconnects++;
      await sleep(20);
    }
  })();

  const big = (async () => {
    for (let n = 0; !signal.aborted; n++) {
      await send(bigAnswer(n));
      tally.bigAnswers++;
    }
  })();

  await Promise.all([...senders, stalls, hangUps, big]);
  return tally;
}
