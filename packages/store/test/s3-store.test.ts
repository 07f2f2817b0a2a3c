import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { S3Store } from "../src/index.js";
import { IntegrityError, openStore, s3ClientFromEnv, sha256Hex } from "../src/index.js";
import { closedPort, startFaultyProxy, startS3, startS3Process } from "../testing/s3-server.js";

const credentials = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" };

let s3: Awaited<ReturnType<typeof startS3>>;
let cacheDir: string;

function storeAt(endpoint: string, extra: Record<string, string> = {}, listPageSize?: number) {
  const env = { ...credentials, AWS_ENDPOINT_URL_S3: endpoint, ...extra };
  return openStore("s3://artifacts/lockstep/models", {
    env,
    cacheDir,
    partSize: 5 * 1024 * 1024,
    listPageSize,
  }) as S3Store;
}

beforeAll(async () => {
  s3 = await startS3("artifacts");
  cacheDir = await mkdtemp(join(tmpdir(), "s3cache-"));
});
afterAll(async () => {
  await s3.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe("S3Store against a loopback S3 server", () => {
  it("round-trips an artifact and serves a repeat read from the verified cache", async () => {
    const store = storeAt(s3.endpoint);
    const data = randomBytes(4096);
    const info = await store.put(data);
    expect(info.uri).toBe(`s3://artifacts/lockstep/models/sha256/${sha256Hex(data)}`);
    expect(await store.stat(info.sha256)).toEqual(info);
    await rm(join(cacheDir, "sha256"), { recursive: true, force: true });
    expect(await store.get(info.uri, info.sha256)).toEqual(data);
    // a damaged cache entry is detected and replaced from S3
    await writeFile(join(cacheDir, "sha256", info.sha256), "rot");
    expect(await store.get(info.uri, info.sha256)).toEqual(data);
  });

  it("writes a named report beside the artifacts, under the store's prefix", async () => {
    const store = storeAt(s3.endpoint);
    const uri = await store.putNamed(
      "reports/monitor/co2/staging/latest/result.json",
      '{"status":"ok"}',
      "application/json",
    );
    expect(uri).toBe("s3://artifacts/lockstep/models/reports/monitor/co2/staging/latest/result.json");
    const client = s3ClientFromEnv({ ...credentials, AWS_ENDPOINT_URL_S3: s3.endpoint });
    const object = await client.send(
      new GetObjectCommand({
        Bucket: "artifacts",
        Key: "lockstep/models/reports/monitor/co2/staging/latest/result.json",
      }),
    );
    expect(object.ContentType).toBe("application/json");
    expect(await object.Body!.transformToString()).toBe('{"status":"ok"}');
    await expect(store.putNamed("reports/../sha256/x", "x", "text/plain")).rejects.toMatchObject({
      code: "STORE_URI",
    });
  });

  it("reads, lists across pages and deletes named objects under the store's prefix", async () => {
    const paged = await startS3Process("artifacts"); // s3rver that can build continuation tokens
    onTestFinished(() => paged.close());
    const store = storeAt(paged.endpoint, {}, 2); // two keys a page: the listing follows continuations
    const keys = [
      "runs/co2/a.json",
      "runs/co2/b.json",
      "runs/co2/c.json",
      "runs/co2/d.json",
      "runs/fish/a.json",
    ];
    for (const key of keys) await store.putNamed(key, `{"k":"${key}"}`, "application/json");
    await store.putNamed("data/sha256/ab", "snapshot", "application/octet-stream");
    const client = s3ClientFromEnv({ ...credentials, AWS_ENDPOINT_URL_S3: paged.endpoint });
    // a foreign object under the prefix is not a named key and is not listed
    await client.send(
      new PutObjectCommand({ Bucket: "artifacts", Key: "lockstep/models/runs/co2/bad name", Body: "x" }),
    );
    expect((await store.getNamed("runs/co2/a.json"))?.toString()).toBe('{"k":"runs/co2/a.json"}');
    expect(await store.getNamed("runs/co2/none.json")).toBeUndefined();
    await expect(store.getNamed("runs/co2/a.json", { maxBytes: 5 })).rejects.toMatchObject({
      code: "STORE_TOO_LARGE",
    });
    const list = async (prefix: string) => {
      const out: { key: string; bytes: number }[] = [];
      for await (const item of store.listNamed(prefix)) out.push(item);
      return out;
    };
    expect(await list("runs/")).toEqual(keys.map((key) => ({ key, bytes: key.length + 8 })));
    expect((await list("runs/co2/c")).map((item) => item.key)).toEqual(["runs/co2/c.json"]);
    expect(await list("data/")).toEqual([{ key: "data/sha256/ab", bytes: 8 }]);
    await store.deleteNamed("runs/co2/a.json");
    await store.deleteNamed("runs/co2/a.json"); // absent: not an error
    expect(await store.getNamed("runs/co2/a.json")).toBeUndefined();
    expect((await list("runs/co2/")).map((item) => item.key)).toEqual(keys.slice(1, 4));
    for (const key of ["runs/../sha256/x", "/runs/x", "runs/a\u0000", "other/x"]) {
      await expect(store.getNamed(key), key).rejects.toMatchObject({ code: "STORE_URI" });
      await expect(store.deleteNamed(key), key).rejects.toMatchObject({ code: "STORE_URI" });
    }
    const listing = (async () => {
      for await (const item of store.listNamed("runs/../")) void item;
    })();
    await expect(listing).rejects.toMatchObject({ code: "STORE_URI" });
  });

  it("uploads 20 MiB in multipart and reads it back", async () => {
    const store = storeAt(s3.endpoint);
    const data = randomBytes(20 * 1024 * 1024);
    const info = await store.put(data);
    expect(info.bytes).toBe(data.length);
    await rm(join(cacheDir, "sha256"), { recursive: true, force: true });
    const back = await store.get(info.uri, info.sha256);
    expect(sha256Hex(back)).toBe(info.sha256);
  });

  it("detects a corrupted object", async () => {
    const store = storeAt(s3.endpoint);
    const info = await store.put(Buffer.from("the real model"));
    const client = s3ClientFromEnv({ ...credentials, AWS_ENDPOINT_URL_S3: s3.endpoint });
    await client.send(
      new PutObjectCommand({
        Bucket: "artifacts",
        Key: `lockstep/models/sha256/${info.sha256}`,
        Body: "evil",
      }),
    );
    await rm(join(cacheDir, "sha256"), { recursive: true, force: true });
    const error = await store.get(info.uri, info.sha256).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    // nothing unverified reached the cache
    await expect(store.get(info.uri, info.sha256)).rejects.toBeInstanceOf(IntegrityError);
  });

  it("reports a missing object and a missing bucket", async () => {
    const store = storeAt(s3.endpoint);
    const sha = "e".repeat(64);
    await expect(store.get(store.uriFor(sha), sha)).rejects.toMatchObject({ code: "STORE_NOT_FOUND" });
    expect(await store.has(sha)).toBe(false);
    const noBucket = openStore("s3://no-such-bucket/x", {
      env: { ...credentials, AWS_ENDPOINT_URL_S3: s3.endpoint },
      cacheDir,
    });
    await expect(noBucket.get(noBucket.uriFor(sha), sha)).rejects.toMatchObject({ code: "STORE_NOT_FOUND" });
  });

  it("retries throttling (503 SlowDown) with backoff", async () => {
    const proxy = await startFaultyProxy(s3.endpoint, 2, 503, "SlowDown");
    try {
      const store = storeAt(proxy.endpoint);
      const info = await store.put(Buffer.from("retry me"));
      expect(info.bytes).toBe(8);
      expect(proxy.requests()).toBeGreaterThan(2);
    } finally {
      await proxy.close();
    }
  });

  it("says access denied on 403 and unreachable on a closed port", async () => {
    const proxy = await startFaultyProxy(s3.endpoint, Number.POSITIVE_INFINITY, 403, "AccessDenied");
    try {
      const store = storeAt(proxy.endpoint);
      const sha = "d".repeat(64);
      await expect(store.get(store.uriFor(sha), sha)).rejects.toMatchObject({ code: "STORE_ACCESS_DENIED" });
    } finally {
      await proxy.close();
    }
    const port = await closedPort();
    const store = storeAt(`http://127.0.0.1:${port}`, { AWS_MAX_ATTEMPTS: "1" });
    const sha = "c".repeat(64);
    await expect(store.get(store.uriFor(sha), sha)).rejects.toMatchObject({ code: "STORE_UNREACHABLE" });
  });
});
