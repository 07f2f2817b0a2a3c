import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3 } from "@lockstep/store/testing";
import { readDataUri, writeDataUri } from "../src/index.js";

const credentials = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" };
let s3: Awaited<ReturnType<typeof startS3>>;
beforeAll(async () => {
  s3 = await startS3("results");
});
afterAll(() => s3.close());

describe("writeDataUri", () => {
  it("writes a path or file:// whole, creating its folder, and replaces what was there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-write-"));
    expect(await writeDataUri("out/p.csv", "a,b\n", { baseDir: dir })).toBe(join(dir, "out/p.csv"));
    await writeDataUri("file://out/p.csv", "c,d\n", { baseDir: dir });
    expect(await readFile(join(dir, "out/p.csv"), "utf8")).toBe("c,d\n");
    expect(await readdir(join(dir, "out"))).toEqual(["p.csv"]);
  });

  it("writes s3://bucket/key, which readDataUri reads back", async () => {
    const env = { ...credentials, AWS_ENDPOINT_URL_S3: s3.endpoint };
    await writeDataUri("s3://results/batch/p.jsonl", '{"id":1}\n', {
      env,
      contentType: "application/x-ndjson",
    });
    expect((await readDataUri("s3://results/batch/p.jsonl", { env })).toString()).toBe('{"id":1}\n');
  });

  it.each([
    ["npm:some-package/file.csv"],
    ["https://example.com/p.csv"],
    ["s3://results"],
    ["s3://results/"],
    ["s3:///key"],
    ["s3://results/a/../b"],
  ])("refuses %s with a clear error and writes nothing", async (uri) => {
    await expect(
      writeDataUri(uri, "x", { env: { ...credentials, AWS_ENDPOINT_URL_S3: s3.endpoint } }),
    ).rejects.toMatchObject({ code: "STORE_URI" });
  });

  it("reports a folder it cannot create", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-write-"));
    await writeDataUri("file", "x", { baseDir: dir });
    await expect(writeDataUri("file/below.csv", "x", { baseDir: dir })).rejects.toMatchObject({
      code: "STORE_IO",
    });
    expect(await readdir(dir)).toEqual(["file"]);
  });
});
