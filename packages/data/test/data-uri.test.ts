import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ClientFromEnv } from "@lockstep/store";
import { startS3 } from "@lockstep/store/testing";
import { readDataUri } from "../src/index.js";

let http: { url: string; close: () => Promise<void> };
let s3: Awaited<ReturnType<typeof startS3>>;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "data-uri-"));
  await writeFile(join(dir, "data.csv"), "a,b\n1,2\n");
  const server = createServer((req, res) => {
    if (req.url === "/data.csv") res.end("a,b\n3,4\n");
    else if (req.url === "/big") res.end("x".repeat(2048));
    else if (req.url === "/secret") res.writeHead(403).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  http = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  s3 = await startS3("data");
});
afterAll(async () => {
  await http.close();
  await s3.close();
});

describe("readDataUri", () => {
  it("reads file://, plain paths, http(s), s3:// and npm: data", async () => {
    expect((await readDataUri("data.csv", { baseDir: dir })).toString()).toBe("a,b\n1,2\n");
    expect((await readDataUri(`file://${join(dir, "data.csv")}`)).toString()).toBe("a,b\n1,2\n");
    expect((await readDataUri(`${http.url}/data.csv`)).toString()).toBe("a,b\n3,4\n");
    const env = {
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_ENDPOINT_URL_S3: s3.endpoint,
    };
    await s3ClientFromEnv(env).send(
      new PutObjectCommand({ Bucket: "data", Key: "in/co2.csv", Body: "x,y\n" }),
    );
    expect((await readDataUri("s3://data/in/co2.csv", { env })).toString()).toBe("x,y\n");
    const co2 = await readDataUri("npm:vega-datasets/data/co2-concentration.csv");
    expect(co2.toString().startsWith("Date,CO2")).toBe(true);
  });

  it("refuses oversized, missing, forbidden and hostile sources", async () => {
    await expect(readDataUri(`${http.url}/big`, { maxBytes: 1000 })).rejects.toThrow(/1000-byte limit/);
    await expect(readDataUri("data.csv", { baseDir: dir, maxBytes: 3 })).rejects.toThrow(/limit/);
    await expect(readDataUri(`${http.url}/nope`)).rejects.toMatchObject({ code: "STORE_NOT_FOUND" });
    await expect(readDataUri(`${http.url}/secret`)).rejects.toMatchObject({ code: "STORE_ACCESS_DENIED" });
    await expect(readDataUri("missing.csv", { baseDir: dir })).rejects.toMatchObject({
      code: "STORE_NOT_FOUND",
    });
    await expect(readDataUri(dir)).rejects.toThrow(/not a regular file/);
    await expect(readDataUri("ftp://host/x")).rejects.toMatchObject({ code: "STORE_URI" });
    await expect(readDataUri("npm:vega-datasets/../../etc/passwd")).rejects.toMatchObject({
      code: "STORE_URI",
    });
    await expect(readDataUri("npm:no-such-package-xyz/data.csv")).rejects.toMatchObject({
      code: "STORE_NOT_FOUND",
    });
    await expect(readDataUri("s3://data")).rejects.toMatchObject({ code: "STORE_URI" });
  });
});
