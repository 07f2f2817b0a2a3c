import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntegrityError, openStore, type ArtifactStore } from "@lockstep/store";
import { startS3 } from "@lockstep/store/testing";
import {
  dataSourceSha256,
  parseSize,
  pullSnapshot,
  readSnapshot,
  resolvePinnedData,
  serializeManifest,
  snapshotData,
  snapshotSettings,
  type TakenSnapshot,
} from "../src/index.js";

const sha = (bytes: string | Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const credentials = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" };

let dir: string;
let s3: Awaited<ReturnType<typeof startS3>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapshot-"));
  s3 = await startS3("data");
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

const fileStore = async () => openStore(`file://${await mkdtemp(join(dir, "store-"))}`);
const s3Store = (prefix: string) =>
  openStore(`s3://data/${prefix}`, {
    env: { ...credentials, AWS_ENDPOINT_URL_S3: s3.endpoint },
    cacheDir: join(dir, "s3cache"),
  });

/** A folder of images in class folders, as fish-classifier reads. */
async function imageFolder(name: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, "b_class"), { recursive: true });
  await mkdir(join(root, "a_class"), { recursive: true });
  await writeFile(join(root, "a_class", "1.png"), "one");
  await writeFile(join(root, "a_class", "2.png"), "two");
  await writeFile(join(root, "b_class", "1.png"), "three");
  await writeFile(join(root, "labels.tsv"), "id\tname\na_class\tA\nb_class\tB\n");
  return root;
}

async function keys(store: ArtifactStore): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of store.listNamed("data/")) out.push(key);
  return out.sort();
}

const taken = (s: Awaited<ReturnType<typeof snapshotData>>) => {
  if ("skipped" in s) throw new Error(`skipped: ${s.skipped}`);
  return s as TakenSnapshot;
};

describe("snapshotData", () => {
  it("stores a file by its content under data/sha256/<hex>, once", async () => {
    const store = await fileStore();
    await writeFile(join(dir, "series.csv"), "Date,CO2\n1958-03,315.7\n");
    const first = taken(await snapshotData(store, "series.csv", { baseDir: dir }));
    expect(first.sha256).toBe(sha("Date,CO2\n1958-03,315.7\n"));
    expect(first.uri).toBe(`${store.uri}/data/sha256/${first.sha256}`);
    expect(first).toMatchObject({ bytes: 23, stored: { objects: 1, bytes: 23 } });
    expect(first.files).toBeUndefined();
    expect((await store.getNamed(`data/sha256/${first.sha256}`))!.toString()).toBe(
      "Date,CO2\n1958-03,315.7\n",
    );
    const again = taken(await snapshotData(store, `file://${join(dir, "series.csv")}`));
    expect(again.sha256).toBe(first.sha256);
    expect(again.stored).toEqual({ objects: 0, bytes: 0 });
  });

  it("stores a folder as a manifest of sorted paths and hashes plus each file by content, deduplicated", async () => {
    const store = await fileStore();
    const root = await imageFolder("fish-a");
    const first = taken(await snapshotData(store, root));
    const manifest = (await store.getNamed(`data/sha256/${first.sha256}`))!.toString();
    expect(sha(manifest)).toBe(first.sha256);
    expect(JSON.parse(manifest).files.map((f: { path: string }) => f.path)).toEqual([
      "a_class/1.png",
      "a_class/2.png",
      "b_class/1.png",
      "labels.tsv",
    ]);
    expect(manifest).toBe(
      serializeManifest([
        { path: "labels.tsv", sha256: sha("id\tname\na_class\tA\nb_class\tB\n"), bytes: 28 },
        { path: "b_class/1.png", sha256: sha("three"), bytes: 5 },
        { path: "a_class/2.png", sha256: sha("two"), bytes: 3 },
        { path: "a_class/1.png", sha256: sha("one"), bytes: 3 },
      ]),
    );
    expect(first).toMatchObject({ files: 4, bytes: 39, stored: { objects: 5 } });
    // the same folder again: nothing new; one file changed: that file and a new manifest
    expect(taken(await snapshotData(store, root)).stored).toEqual({ objects: 0, bytes: 0 });
    await writeFile(join(root, "b_class", "1.png"), "THREE");
    const changed = taken(await snapshotData(store, root));
    expect(changed.sha256).not.toBe(first.sha256);
    expect(changed.stored.objects).toBe(2);
    expect(await keys(store)).toHaveLength(7);
    // a file whose bytes another file already has is stored once
    await writeFile(join(root, "a_class", "3.png"), "one");
    expect(taken(await snapshotData(store, root)).stored.objects).toBe(1);
  });

  it("records data over the cap as skipped, with the reason, and writes nothing", async () => {
    const store = await fileStore();
    await writeFile(join(dir, "big.csv"), "x".repeat(2000));
    const file = await snapshotData(store, join(dir, "big.csv"), { capBytes: 1000 });
    expect(file).toEqual({
      skipped: expect.stringMatching(
        /big\.csv is 2000 bytes \(0\.0 MiB\), over the snapshot cap of 1000 bytes/,
      ),
    });
    const folder = await snapshotData(store, await imageFolder("fish-cap"), { capBytes: 30 });
    expect(folder).toEqual({ skipped: expect.stringMatching(/over the snapshot cap of 30 bytes/) });
    expect(await keys(store)).toEqual([]);
  });

  it("skips a source that is not files (an exchange API) with the reason", async () => {
    const store = await fileStore();
    expect(await snapshotData(store, "klines+https://api.example.com/api/v3/klines?symbol=X")).toEqual({
      skipped: expect.stringMatching(/^klines\+https: sources are not files/),
    });
  });

  it("takes and reads folder snapshots on S3 (the loopback server), deduplicated the same", async () => {
    const store = s3Store("models");
    const root = await imageFolder("fish-s3");
    const first = taken(await snapshotData(store, root));
    expect(first.uri).toBe(`s3://data/models/data/sha256/${first.sha256}`);
    expect(first.stored.objects).toBe(5);
    expect(taken(await snapshotData(store, root)).stored.objects).toBe(0);
    const out = join(dir, "from-s3");
    const read = await readSnapshot(store, `sha256:${first.sha256}`, out);
    expect(read).toMatchObject({ kind: "folder", files: 4, bytes: 39 });
    expect(await readFile(join(out, "b_class", "1.png"), "utf8")).toBe("three");
    expect((await dataSourceSha256(out)).sha256).toBe(first.sha256);
  });
});

describe("reading snapshots", () => {
  it("writes a file or a folder back, byte for byte", async () => {
    const store = await fileStore();
    const root = await imageFolder("fish-read");
    const folder = taken(await snapshotData(store, root));
    const out = join(dir, "read-folder");
    await readSnapshot(store, `sha256:${folder.sha256}`, out);
    expect((await dataSourceSha256(out)).sha256).toBe(folder.sha256);
    const file = taken(await snapshotData(store, join(root, "labels.tsv")));
    const single = await readSnapshot(store, `sha256:${file.sha256}`, join(dir, "read-file"), {
      name: "labels.tsv",
    });
    expect(single).toMatchObject({ kind: "file", files: 1 });
    expect(await readFile(single.path, "utf8")).toBe("id\tname\na_class\tA\nb_class\tB\n");
  });

  it("refuses tampered bytes: a file not matching its key, a manifest naming a file whose bytes differ", async () => {
    const store = await fileStore();
    const root = await imageFolder("fish-tamper");
    const file = taken(await snapshotData(store, join(root, "labels.tsv")));
    const storeRoot = store.uri.slice("file://".length);
    await writeFile(join(storeRoot, "data", "sha256", file.sha256), "id\tname\na_class\tEVIL\n");
    await expect(readSnapshot(store, `sha256:${file.sha256}`, join(dir, "t1"))).rejects.toBeInstanceOf(
      IntegrityError,
    );
    const folder = taken(await snapshotData(store, root));
    await writeFile(join(storeRoot, "data", "sha256", sha("two")), "tw0");
    const error = await readSnapshot(store, `sha256:${folder.sha256}`, join(dir, "t2")).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).expected).toBe(sha("two"));
    expect((error as IntegrityError).code).toBe("STORE_INTEGRITY");
  });

  it("refuses hostile manifest paths (.., absolute, NUL, backslash, duplicates) before writing anything", async () => {
    const store = await fileStore();
    await store.putNamed(`data/sha256/${sha("x")}`, "x", "application/octet-stream");
    const target = join(dir, "hostile-target");
    for (const [path, reason] of [
      ["../escape.txt", /an empty, \. or \.\. segment/],
      ["a/../../escape.txt", /an empty, \. or \.\. segment/],
      ["/etc/escape.txt", /an absolute path/],
      ["C:/escape.txt", /an absolute path/],
      ["a\u0000b", /a control character/],
      ["a\\..\\b", /a backslash/],
    ] as const) {
      const manifest = serializeManifest([{ path, sha256: sha("x"), bytes: 1 }]);
      await store.putNamed(`data/sha256/${sha(manifest)}`, manifest, "application/json");
      const error = await readSnapshot(store, `sha256:${sha(manifest)}`, target).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("SNAPSHOT_INVALID");
      expect((error as Error).message).toMatch(reason);
    }
    const twice = serializeManifest([
      { path: "a.png", sha256: sha("x"), bytes: 1 },
      { path: "A.png", sha256: sha("x"), bytes: 1 },
    ]);
    await store.putNamed(`data/sha256/${sha(twice)}`, twice, "application/json");
    await expect(readSnapshot(store, `sha256:${sha(twice)}`, target)).rejects.toThrow(/listed twice/);
    expect(await readdir(target)).toEqual([]);
    expect(await readdir(dir)).not.toContain("escape.txt");
    await expect(readSnapshot(store, "sha256:../../x", target)).rejects.toThrow(
      /not a data snapshot reference/,
    );
  });

  it("data pull refuses a non-empty folder unless forced", async () => {
    const store = await fileStore();
    const file = taken(await snapshotData(store, join(await imageFolder("fish-pull"), "labels.tsv")));
    const out = join(dir, "pull");
    await mkdir(out);
    await writeFile(join(out, "keep.txt"), "mine");
    await expect(
      pullSnapshot(store, `sha256:${file.sha256}`, out, { name: "labels.tsv" }),
    ).rejects.toMatchObject({
      code: "SNAPSHOT_TARGET",
      message: expect.stringMatching(/is not empty .*--force/),
    });
    await pullSnapshot(store, `sha256:${file.sha256}`, out, { name: "labels.tsv", force: true });
    expect((await readdir(out)).sort()).toEqual(["keep.txt", "labels.tsv"]);
    await expect(
      pullSnapshot(store, `sha256:${"0".repeat(64)}`, join(dir, "pull-none")),
    ).rejects.toMatchObject({
      code: "STORE_NOT_FOUND",
    });
  });
});

describe("resolvePinnedData", () => {
  it("reads the source while it holds the snapshot's bytes, the snapshot when it changed or is gone, and says so", async () => {
    const store = await fileStore();
    const path = join(dir, "pinned.csv");
    await writeFile(path, "a,b\n1,2\n");
    const snap = taken(await snapshotData(store, path));
    const ref = `sha256:${snap.sha256}`;
    const same = await resolvePinnedData(store, path, ref);
    expect(same.dataPath).toBeUndefined();
    expect(same.note).toBeUndefined();

    await writeFile(path, "a,b\n1,3\n");
    const changed = await resolvePinnedData(store, path, ref);
    expect(changed.note).toMatch(
      new RegExp(
        `has changed \\(its bytes hash to sha256:${sha("a,b\n1,3\n")}\\): reading its data snapshot ${ref}`,
      ),
    );
    expect(await readFile(changed.dataPath!, "utf8")).toBe("a,b\n1,2\n");
    expect(changed.dataPath!.endsWith("pinned.csv")).toBe(true);
    await changed.dispose();

    await rm(path);
    const gone = await resolvePinnedData(store, path, ref);
    expect(gone.note).toMatch(/cannot be read .*: reading its data snapshot/);
    await gone.dispose();
  });

  it("a changed source whose snapshot is not in the store: SNAPSHOT_MISSING naming both hashes", async () => {
    const store = await fileStore();
    const path = join(dir, "lost.csv");
    await writeFile(path, "now\n");
    const ref = `sha256:${sha("then\n")}`;
    await expect(resolvePinnedData(store, path, ref)).rejects.toMatchObject({
      code: "SNAPSHOT_MISSING",
      message: expect.stringContaining(
        `its bytes hash to sha256:${sha("now\n")}), and the snapshot the pin was trained on, ${ref}, is not in`,
      ),
    });
  });
});

describe("snapshot settings", () => {
  it("on under CI, off on a laptop, flags over LOCKSTEP_SNAPSHOT over CI; sizes with units", () => {
    expect(snapshotSettings({}, {})).toBe(false);
    expect(snapshotSettings({}, { CI: "true" })).toEqual({ capBytes: 256 * 1024 ** 2 });
    expect(snapshotSettings({ snapshot: false }, { CI: "true" })).toBe(false);
    expect(snapshotSettings({}, { CI: "true", LOCKSTEP_SNAPSHOT: "off" })).toBe(false);
    expect(snapshotSettings({ snapshot: true, cap: "1GiB" }, {})).toEqual({ capBytes: 1024 ** 3 });
    expect(snapshotSettings({}, { LOCKSTEP_SNAPSHOT: "1", LOCKSTEP_SNAPSHOT_CAP: "10MB" })).toEqual({
      capBytes: 1e7,
    });
    expect(parseSize("1048576")).toBe(1048576);
    for (const bad of ["", "-1", "0", "1e9", "12 parsecs", "NaN"])
      expect(() => parseSize(bad)).toThrow(/a positive size like 256MiB/);
    expect(() => snapshotSettings({}, { LOCKSTEP_SNAPSHOT: "maybe" })).toThrow(
      /LOCKSTEP_SNAPSHOT must be on or off/,
    );
  });
});
