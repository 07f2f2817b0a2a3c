import { randomBytes } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, sha256Hex, StoreError, type S3Store } from "../src/index.js";

// Store readers against objects and servers that lie: a read is verified, bounded by the size the
// caller expects, and never hangs or fills the disk.

const credentials = { AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s", AWS_REGION: "us-east-1" };
const good = randomBytes(64 * 1024);
const sha = sha256Hex(good);

type Behaviour = (res: ServerResponse) => void;
let behaviour: Behaviour = () => {};
let endpoint: string;
let close: () => Promise<void>;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "lockstep-hostile-store-"));
  const server = createServer((req, res) => {
    req.resume();
    behaviour(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
});
afterAll(async () => {
  await close();
  await rm(cacheDir, { recursive: true, force: true });
});

const store = () =>
  openStore("s3://artifacts/models", {
    env: { ...credentials, AWS_ENDPOINT_URL_S3: endpoint, AWS_MAX_ATTEMPTS: "1" },
    cacheDir,
  }) as S3Store;
const uri = `s3://artifacts/models/sha256/${sha}`;

async function refusal(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

async function noPartFilesLeft() {
  const tmp = await readdir(join(cacheDir, "tmp")).catch(() => []);
  expect(tmp).toEqual([]);
}

describe("S3 reads from a server that lies", () => {
  it("refuses an object whose declared length is over the pin's size, before reading it", async () => {
    behaviour = (res) => {
      res.writeHead(200, { "content-length": String(good.length * 1000) });
      res.write(good.subarray(0, 100)); // and then nothing: the refusal must not wait for the rest
    };
    const error = await refusal(store().get(uri, sha, { maxBytes: good.length }));
    expect(error.code).toBe("STORE_TOO_LARGE");
    await noPartFilesLeft();
  });

  it("stops an endless body at the size bound, whatever it declared", async () => {
    behaviour = (res) => {
      res.writeHead(200, { "transfer-encoding": "chunked" });
      const pump = () => {
        if (res.destroyed) return;
        if (res.write(randomBytes(64 * 1024))) setImmediate(pump);
        else res.once("drain", pump);
      };
      pump();
    };
    const error = await refusal(store().get(uri, sha, { maxBytes: good.length }));
    expect(error.code).toBe("STORE_TOO_LARGE");
    await noPartFilesLeft();
  });

  it("says a truncated body is an error, never a short artifact", async () => {
    behaviour = (res) => {
      res.writeHead(200, { "content-length": String(good.length) });
      res.end(good.subarray(0, good.length / 2));
      res.socket?.destroy();
    };
    const error = await refusal(store().get(uri, sha, { maxBytes: good.length }));
    expect(["STORE_IO", "STORE_UNREACHABLE", "STORE_INTEGRITY"]).toContain(error.code);
    await noPartFilesLeft();
  });

  it("refuses other bytes of the right length as an integrity error", async () => {
    behaviour = (res) => {
      res.writeHead(200, { "content-length": String(good.length) });
      res.end(randomBytes(good.length));
    };
    const error = await refusal(store().get(uri, sha, { maxBytes: good.length }));
    expect(error.code).toBe("STORE_INTEGRITY");
  });

  it("reads the right bytes when the server tells the truth", async () => {
    behaviour = (res) => {
      res.writeHead(200, { "content-length": String(good.length) });
      res.end(good);
    };
    expect(await store().get(uri, sha, { maxBytes: good.length })).toEqual(good);
  });
});

describe("file store reads of damaged files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lockstep-hostile-files-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("refuses a file grown past the pin's size without reading it, and a truncated one by its hash", async () => {
    const files = openStore("file://store", { baseDir: dir });
    const info = await files.put(good);
    const path = join(dir, "store", "sha256", info.sha256);
    await writeFile(path, Buffer.concat([good, good]));
    expect((await refusal(files.get(info.uri, info.sha256, { maxBytes: good.length }))).code).toBe(
      "STORE_TOO_LARGE",
    );
    await truncate(path, 10);
    expect((await refusal(files.get(info.uri, info.sha256, { maxBytes: good.length }))).code).toBe(
      "STORE_INTEGRITY",
    );
  });
});
