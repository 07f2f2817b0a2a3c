import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveNpmUri } from "@lockstep/data";
import { co2Forecast, fishClassifier } from "@lockstep/models";
import { listRuns } from "@lockstep/runs";
import { openStore } from "@lockstep/store";
import { demo } from "../src/commands/demo.js";
import { run } from "../src/index.js";
import { runsCommand } from "../src/commands/runs.js";
import { runProgram } from "../src/run-program.js";
import { planStart } from "../src/start-plan.js";
import { readLock } from "@lockstep/lockfile";
import { capture } from "./capture.js";

const sha = (bytes: string | Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const SMOKE = co2Forecast.smokeParams;
// a smaller budget than SMOKE: its candidate loses the paired gate against SMOKE's pin
const SMALLER = { ...SMOKE, harmonics: [2], windows: [60] };

let dir: string;
let lockFile: string;
let original: Buffer;

async function cli(args: string[]) {
  const out = capture();
  const { exitCode } =
    args[0] === "runs"
      ? await runProgram((state) => runsCommand(out, state), [...args.slice(1), "--lock", lockFile], out)
      : await run([...args, "--lock", lockFile], out);
  return { exitCode, out };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lockstep-snapshot-"));
  lockFile = join(dir, "models.lock.json");
  original = await readFile(resolveNpmUri(co2Forecast.defaultData));
  await writeFile(join(dir, "co2.csv"), original);
});

describe("data snapshots, end to end (issue 39: the pin rebuilt from its snapshot)", () => {
  it("trains co2 twice (the second loses its gate), then reproduces the pin byte for byte from its snapshot after the source changed", async () => {
    const train = (params: object) =>
      cli([
        "train",
        "co2-forecast",
        "--data",
        "co2.csv",
        "--params",
        JSON.stringify(params),
        "--snapshot",
        "--pin",
        "--json",
      ]);
    const first = await train(SMOKE);
    expect(first.exitCode, first.out.errors()).toBe(0);
    const won = JSON.parse(first.out.text());
    expect(won.pinned).toBe(true);
    const ref = `sha256:${sha(original)}`;
    expect(won.pin.evaluation.dataSnapshot).toBe(ref);
    expect(won.snapshot).toMatchObject({
      sha256: sha(original),
      bytes: original.length,
      stored: { objects: 1 },
    });
    expect(await readFile(join(dir, ".lockstep", "store", "data", "sha256", sha(original)))).toEqual(
      original,
    );

    const second = await train(SMALLER);
    expect(second.exitCode, second.out.errors()).toBe(0);
    const lost = JSON.parse(second.out.text());
    expect(lost.verdict.better).toBe(false);
    expect(lost.pinned).toBe(false);
    expect(lost.pin.sha256).not.toBe(won.pin.sha256);
    // the same data again: named the same, nothing uploaded twice
    expect(lost.snapshot).toMatchObject({ sha256: sha(original), stored: { objects: 0, bytes: 0 } });
    const pinned = (await readLock(lockFile)).models["co2-forecast"]!.pins.staging!;
    expect(pinned.sha256).toBe(won.pin.sha256);

    // both trainings are listed and compared (lockstep runs), each record naming the data snapshot
    const listed = await cli(["runs", "list", "co2-forecast", "--json"]);
    expect(listed.exitCode, listed.out.errors()).toBe(0);
    const ids = JSON.parse(listed.out.text()).runs.map((r: { id: string }) => r.id);
    expect(ids).toEqual([lost.run.id, won.run.id]); // newest first
    const compared = await cli(["runs", "compare", won.run.id, lost.run.id]);
    expect(compared.exitCode, compared.out.errors()).toBe(0);
    expect(compared.out.text()).toMatch(/^\* +params\.harmonics +\[2,4\] +\[2\]$/m);
    expect(compared.out.text()).toMatch(/^\* +run\.gate +passes \(mape_h12\) +fails \(mape_h12\)$/m);
    for (const id of ids) {
      const record = JSON.parse((await cli(["runs", "show", id, "--json"])).out.text());
      expect(record.data.snapshot).toEqual({
        sha256: sha(original),
        uri: `file://.lockstep/store/data/sha256/${sha(original)}`,
        bytes: original.length,
      });
    }

    // the source changes (its last month dropped): the re-run reads the snapshot, says so, and rebuilds the pin
    const changed = original.toString("utf8").replace(/\n[^\n]*\n?$/, "\n");
    await writeFile(join(dir, "co2.csv"), changed);
    const verified = await cli(["verify", "--all", "--reproduce"]);
    expect(verified.exitCode, verified.out.text()).toBe(0);
    expect(verified.out.text()).toContain(
      `from the data snapshot (co2.csv has changed (its bytes hash to sha256:${sha(changed)}): reading its data snapshot ${ref} from file://.lockstep/store instead`,
    );
    expect(verified.out.text()).toMatch(/the rebuilt artifact is byte-identical/);
    expect(verified.out.errors()).toContain(`reading its data snapshot ${ref}`);

    // lockstep data pull brings the pinned data back (the original bytes), into an empty folder only
    const pulled = join(dir, "pulled");
    const pull = await cli(["data", "pull", "co2-forecast", pulled]);
    expect(pull.exitCode, pull.out.errors()).toBe(0);
    expect(await readFile(join(pulled, "co2.csv"))).toEqual(original);
    expect(pull.out.text()).toMatch(new RegExp(`1 file, ${original.length} bytes \\(${ref}, verified\\)`));
    const again = await cli(["data", "pull", "co2-forecast", pulled]);
    expect(again.exitCode).toBe(2);
    expect(again.out.errors()).toMatch(/is not empty .*--force/);
    expect((await cli(["data", "pull", "co2-forecast", pulled, "--force"])).exitCode).toBe(0);

    // the snapshot tampered with in the store: an integrity error, never trained on
    const object = join(dir, ".lockstep", "store", "data", "sha256", sha(original));
    await writeFile(object, changed);
    const tampered = await cli(["verify", "--all", "--reproduce"]);
    expect(tampered.exitCode).toBe(1);
    expect(tampered.out.text()).toContain(
      `integrity check failed for file://.lockstep/store/data/sha256/${sha(original)}`,
    );
    expect((await cli(["data", "pull", "co2-forecast", join(dir, "pulled-tampered")])).exitCode).toBe(1);

    // gone from the store, with the source changed: both hashes named
    await rm(object);
    const missing = await cli(["verify", "--all", "--reproduce"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.out.text()).toContain(
      `co2.csv has changed (its bytes hash to sha256:${sha(changed)}), and the snapshot the pin was trained on, ${ref}, is not in file://.lockstep/store`,
    );
    // the source as it was: read as it is, no snapshot needed
    await writeFile(join(dir, "co2.csv"), original);
    const plan = await planStart(await readLock(lockFile), "staging", dir);
    expect(plan.find((s) => s.model === "co2-forecast")).toMatchObject({
      state: "present",
      dataset: "co2.csv",
      dataSnapshot: ref,
    });
  }, 600_000);

  it("records a snapshot over the cap as skipped, with the reason, and pins no snapshot; refuses a bad cap", async () => {
    const small = await cli([
      "train",
      "co2-forecast",
      "--data",
      "co2.csv",
      "--params",
      JSON.stringify(SMALLER),
      "--snapshot-cap",
      "1KiB",
      "--snapshot",
      "--json",
    ]);
    expect(small.exitCode, small.out.errors()).toBe(0);
    const result = JSON.parse(small.out.text());
    expect(result.snapshot.skipped).toMatch(/co2\.csv is \d+ bytes .*over the snapshot cap of 1024 bytes/);
    expect(result.pin.evaluation.dataSnapshot).toBeUndefined();
    const bad = await cli(["train", "co2-forecast", "--data", "co2.csv", "--snapshot-cap", "lots"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.out.errors()).toMatch(/--snapshot-cap must be a positive size like 256MiB/);
  }, 300_000);

  it("npm start rebuilds a missing pin from its data snapshot when the image folder changed, and says so", async () => {
    const project = await mkdtemp(join(tmpdir(), "lockstep-snapshot-start-"));
    const lock = join(project, "models.lock.json");
    await cp(resolveNpmUri(fishClassifier.defaultData), join(project, "fish"), { recursive: true });
    const out = capture();
    const trained = await run(
      ["train", "fish-classifier", "--data", "fish", "--snapshot", "--pin", "--json", "--lock", lock],
      out,
    );
    expect(trained.exitCode, out.errors()).toBe(0);
    const { pin, snapshot } = JSON.parse(out.text());
    expect(snapshot).toMatchObject({ files: 193, stored: { objects: expect.any(Number) } });
    // the artifact is gone, and so is a photo of the source folder
    await rm(join(project, ".lockstep", "store", "sha256", pin.sha256));
    const species = (await readdir(join(project, "fish"))).find((f) => f.startsWith("fish_"))!;
    const photo = (await readdir(join(project, "fish", species)))[0]!;
    await rm(join(project, "fish", species, photo));
    const started = capture();
    const running = await demo({ lock, port: "0", host: "127.0.0.1", onlyPinned: true }, started);
    try {
      const progress = started.errors();
      expect(progress).toMatch(
        /fish-classifier v1 \(sha256 [0-9a-f]{12}\): not in the store yet, rebuilding it from its data \(its snapshot sha256:[0-9a-f]{12} if the data changed\)/,
      );
      expect(progress).toMatch(
        new RegExp(
          `rebuilt +fish-classifier v1 bit for bit from its data snapshot \\(fish has changed \\(its bytes hash to sha256:[0-9a-f]{64}\\): reading its data snapshot ${pin.evaluation.dataSnapshot} from file://\\.lockstep/store instead \\(\\d+ bytes, 193 files\\)\\)`,
        ),
      );
      expect(progress).toMatch(/ready {5}fish-classifier v1/);
      // the rebuild is a run too, recorded beside the training that made the pin
      const store = openStore(undefined, { baseDir: project });
      const { runs } = await listRuns(store, { model: "fish-classifier", repair: false });
      expect(runs.map((r) => [r.kind, r.sha256]).sort()).toEqual([
        ["start", pin.sha256],
        ["train", pin.sha256],
      ]);
    } finally {
      await running.server.close();
      await rm(project, { recursive: true, force: true });
    }
  }, 600_000);
});
