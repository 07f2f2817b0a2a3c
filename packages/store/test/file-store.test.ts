import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  FileStore,
  IntegrityError,
  openStore,
  parseArtifactUri,
  parseStoreUri,
  sha256Hex,
  fetchArtifact,
} from "../src/index.js";

const tempDir = () => mkdtemp(join(tmpdir(), "store-"));

describe("store URIs", () => {
  it("parses the design's relative file:// form, absolute paths and s3", () => {
    expect(parseStoreUri("file://.lockstep/store", "/repo")).toEqual({
      kind: "file",
      root: "/repo/.lockstep/store",
      uri: "file://.lockstep/store",
    });
    expect(parseStoreUri("file:///var/store/")).toMatchObject({ kind: "file", root: "/var/store" });
    expect(parseStoreUri("/abs/dir")).toMatchObject({
      kind: "file",
      root: "/abs/dir",
      uri: "file:///abs/dir",
    });
    expect(parseStoreUri("s3://my-bucket/models/prod/")).toEqual({
      kind: "s3",
      bucket: "my-bucket",
      prefix: "models/prod",
      uri: "s3://my-bucket/models/prod",
    });
  });

  it("rejects bad and hostile URIs", () => {
    for (const bad of ["", "ftp://host/x", "s3://A_B/x", "s3://b", "s3://bucket/../etc", "file://x\u0000y"]) {
      expect(() => parseStoreUri(bad), bad).toThrow(expect.objectContaining({ code: "STORE_URI" }));
    }
    for (const bad of ["file://x/sha256/abc", "s3://b/x", `s3://b/sha256/${"A".repeat(64)}`, "nonsense"]) {
      expect(() => parseArtifactUri(bad), bad).toThrow(expect.objectContaining({ code: "STORE_URI" }));
    }
  });
});

describe("FileStore", () => {
  it("puts bytes and streams content-addressed, and reads them back verified", async () => {
    const dir = await tempDir();
    const store = openStore("file://store", { baseDir: dir });
    expect(store).toBeInstanceOf(FileStore);
    const data = Buffer.from("hello onnx");
    const info = await store.put(data);
    expect(info).toEqual({
      sha256: sha256Hex(data),
      bytes: 10,
      uri: `file://store/sha256/${sha256Hex(data)}`,
    });
    const fromStream = await store.put(Readable.from([Buffer.from("hello "), Buffer.from("onnx")]));
    expect(fromStream).toEqual(info);
    expect(await store.get(info.uri, info.sha256)).toEqual(data);
    expect(await store.has(info.sha256)).toBe(true);
    expect(await store.stat(info.sha256)).toEqual(info);
    expect(await store.has("0".repeat(64))).toBe(false);
    // no temp files are left behind
    expect(await readdir(join(dir, "store", "tmp"))).toEqual([]);
    expect(await fetchArtifact(info.uri, info.sha256, { baseDir: dir })).toEqual(data);
  });

  it("writes named reports under reports/ and refuses keys that could escape or shadow", async () => {
    const dir = await tempDir();
    const store = openStore("file://store", { baseDir: dir });
    const uri = await store.putNamed(
      "reports/monitor/co2/staging/latest/summary.md",
      "# ok\n",
      "text/markdown",
    );
    expect(uri).toBe("file://store/reports/monitor/co2/staging/latest/summary.md");
    expect(await readFile(join(dir, "store/reports/monitor/co2/staging/latest/summary.md"), "utf8")).toBe(
      "# ok\n",
    );
    await store.putNamed("reports/monitor/co2/staging/latest/summary.md", "# again\n", "text/markdown");
    expect(await readFile(join(dir, "store/reports/monitor/co2/staging/latest/summary.md"), "utf8")).toBe(
      "# again\n",
    );
    for (const key of [
      "sha256/" + "a".repeat(64),
      "reports/../sha256/x",
      "reports/",
      "reports//x",
      "/reports/x",
      "reports/a b",
      "reports/.hidden",
      `reports/${"a".repeat(200)}`,
      `reports/${"a/".repeat(9)}a`,
    ])
      await expect(store.putNamed(key, "x", "text/plain"), key).rejects.toMatchObject({ code: "STORE_URI" });
    expect(await readdir(join(dir, "store"))).toEqual(["reports"]);
  });

  it("reads, lists and deletes named objects under reports/, runs/ and data/", async () => {
    const dir = await tempDir();
    const store = openStore("file://store", { baseDir: dir });
    for (const key of [
      "runs/co2/b.json",
      "runs/co2/a.json",
      "runs/fish/a.json",
      "data/sha256/ab",
      "reports/x.md",
    ])
      expect(await store.putNamed(key, `{"k":"${key}"}`, "application/json")).toBe(`file://store/${key}`);
    expect((await store.getNamed("runs/co2/a.json"))?.toString()).toBe('{"k":"runs/co2/a.json"}');
    expect(await store.getNamed("runs/co2/none.json")).toBeUndefined();
    expect(await store.getNamed("runs/co2")).toBeUndefined(); // a folder is not an object
    await expect(store.getNamed("runs/co2/a.json", { maxBytes: 5 })).rejects.toMatchObject({
      code: "STORE_TOO_LARGE",
    });
    // foreign and temporary files beside the records are not listed
    await writeFile(join(dir, "store/runs/co2/.a.json.1.tmp"), "partial");
    await writeFile(join(dir, "store/runs/co2/bad name"), "x");
    await symlink(join(dir, "store/runs/fish/a.json"), join(dir, "store/runs/co2/link.json"));
    await mkdir(join(dir, "store/runs/co2/empty"));
    const list = async (prefix: string) => {
      const out: { key: string; bytes: number }[] = [];
      for await (const item of store.listNamed(prefix)) out.push(item);
      return out;
    };
    expect(await list("runs/")).toEqual([
      { key: "runs/co2/a.json", bytes: 23 },
      { key: "runs/co2/b.json", bytes: 23 },
      { key: "runs/fish/a.json", bytes: 24 },
    ]);
    expect((await list("runs/co2/")).map((item) => item.key)).toEqual(["runs/co2/a.json", "runs/co2/b.json"]);
    expect((await list("runs/co2/b")).map((item) => item.key)).toEqual(["runs/co2/b.json"]);
    expect((await list("runs/c")).map((item) => item.key)).toEqual(["runs/co2/a.json", "runs/co2/b.json"]);
    expect(await list("runs/nothing/")).toEqual([]);
    expect(await list("data/")).toEqual([{ key: "data/sha256/ab", bytes: 22 }]);
    await store.deleteNamed("runs/co2/a.json");
    await store.deleteNamed("runs/co2/a.json"); // absent: not an error
    expect(await store.getNamed("runs/co2/a.json")).toBeUndefined();
    expect((await list("runs/co2/")).map((item) => item.key)).toEqual(["runs/co2/b.json"]);
  });

  it("refuses hostile named keys and prefixes on every named call", async () => {
    const dir = await tempDir();
    const store = openStore("file://store", { baseDir: dir });
    for (const key of [
      "runs/../sha256/x",
      "data/../../etc/passwd",
      "runs/a\\b",
      "runs/a\u0000b",
      "runs/\nx",
      "/runs/x",
      "runs",
      "other/x",
      `runs/${"a".repeat(10_000)}`,
    ]) {
      await expect(store.getNamed(key), key).rejects.toMatchObject({ code: "STORE_URI" });
      await expect(store.deleteNamed(key), key).rejects.toMatchObject({ code: "STORE_URI" });
      await expect(store.putNamed(key, "x", "text/plain"), key).rejects.toMatchObject({ code: "STORE_URI" });
    }
    for (const prefix of ["runs/../", "../", "/runs/", "runs//", "runs/.x", "sha256/", "", "runs/a\u0000"]) {
      const listing = (async () => {
        for await (const item of store.listNamed(prefix)) void item;
      })();
      await expect(listing, prefix).rejects.toMatchObject({ code: "STORE_URI" });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it("detects a corrupted file and never returns its bytes", async () => {
    const dir = await tempDir();
    const store = openStore(join(dir, "s"));
    const info = await store.put(Buffer.from("original"));
    await writeFile(join(dir, "s", "sha256", info.sha256), "tampered");
    const error = await store.get(info.uri, info.sha256).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).actual).toBe(sha256Hex("tampered"));
  });

  it("reports a missing artifact and a bad expected hash", async () => {
    const store = openStore(join(await tempDir(), "s"));
    const uri = store.uriFor("f".repeat(64));
    await expect(store.get(uri, "f".repeat(64))).rejects.toMatchObject({ code: "STORE_NOT_FOUND" });
    await expect(store.get(uri, "not-a-hash")).rejects.toThrow(/64 lowercase hex/);
  });

  it("leaves nothing behind when the source stream fails", async () => {
    const dir = await tempDir();
    const store = openStore(join(dir, "s"));
    async function* broken() {
      yield Buffer.from("partial");
      throw new Error("source broke");
    }
    await expect(store.put(broken())).rejects.toThrow("source broke");
    expect(await readdir(join(dir, "s", "tmp"))).toEqual([]);
  });
});
