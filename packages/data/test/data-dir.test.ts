import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ClientFromEnv, StoreError } from "@lockstep/store";
import { startS3 } from "@lockstep/store/testing";
import { syncS3Prefix } from "../src/index.js";

let s3: Awaited<ReturnType<typeof startS3>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  s3 = await startS3("datasets");
  env = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_ENDPOINT_URL_S3: s3.endpoint };
  const client = s3ClientFromEnv(env, {
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  for (const [key, body] of [
    ["fish/a/1.png", "one"],
    ["fish/a/2.png", "two"],
    ["fish/b/3.png", "three"],
    ["other/x.png", "not mine"],
  ]) {
    await client.send(new PutObjectCommand({ Bucket: "datasets", Key: key, Body: body }));
  }
});
afterAll(() => s3.close());

describe("syncS3Prefix", () => {
  it("mirrors every object under the prefix, paging, and skips what is already there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sync-"));
    const client = s3ClientFromEnv(env, {
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    expect(await syncS3Prefix("s3://datasets/fish", dir, { client })).toBe(3);
    expect((await readdir(dir)).sort()).toEqual(["a", "b"]);
    expect(await readFile(join(dir, "a", "2.png"), "utf8")).toBe("two");
    expect(await syncS3Prefix("s3://datasets/fish/", dir, { client })).toBe(3);
  });

  it("fails clearly for an empty prefix, a missing bucket, a bad URI and too many objects", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sync-"));
    const client = s3ClientFromEnv(env, {
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    await expect(syncS3Prefix("s3://datasets/nothing", dir, { client })).rejects.toThrow(/no objects under/);
    await expect(syncS3Prefix("s3://no-such-bucket/x", dir, { client })).rejects.toThrow(StoreError);
    await expect(syncS3Prefix("https://example.com/x", dir, { client })).rejects.toThrow(
      /expected s3:\/\/bucket\/prefix/,
    );
    await expect(syncS3Prefix("s3://datasets/fish", dir, { client, maxObjects: 2 })).rejects.toThrow(
      /more than 2 objects/,
    );
  });
});
