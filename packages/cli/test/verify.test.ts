import { execFile } from "node:child_process";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { co2Forecast } from "@lockstep/models";
import { openStore } from "@lockstep/store";
import { startS3 } from "@lockstep/store/testing";
import { run } from "../src/index.js";
import { capture } from "./capture.js";

const exec = promisify(execFile);
const git = (cwd: string, ...args: string[]) =>
  exec("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd });

let dir: string;
let lockFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lockstep-verify-cli-"));
  lockFile = join(dir, "models.lock.json");
  await git(dir, "init", "-q");
  await writeFile(join(dir, "README.md"), "no lock yet\n");
  await git(dir, "add", "README.md");
  await git(dir, "commit", "-qm", "seed");
  const out = capture();
  const params = JSON.stringify(co2Forecast.smokeParams);
  const trained = await run(
    ["train", "co2-forecast", "--params", params, "--lock", lockFile, "--pin", "--no-snapshot"],
    out,
  );
  expect(trained.exitCode, out.errors()).toBe(0);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

async function verify(...args: string[]) {
  const out = capture();
  const { exitCode } = await run(["verify", ...args, "--lock", lockFile], out);
  return { exitCode, out: out.text(), err: out.errors() };
}

describe("lockstep verify", () => {
  it("verifies a pin added since a commit with no lock file yet, and re-runs its evaluation", async () => {
    const plain = await verify();
    expect(plain.exitCode, plain.err).toBe(0);
    expect(plain.out).toContain("| co2-forecast | staging | 1 | golden | ✅ |");
    expect(plain.out).not.toContain("reproduction");
    expect(plain.out).toMatch(/1 pin verified, all checks held$/);

    const again = await verify("git:HEAD", "--reproduce", "--tolerance", "0.5%");
    expect(again.exitCode, again.err).toBe(0);
    expect(again.out).toMatch(/\| reproduction \| ✅ \| 16 metrics re-computed .* within 0.5% relative/);
    expect(again.err).toMatch(/re-running the evaluation of co2-forecast/);
  }, 120_000);

  it("fails with exit 1 and the table when a committed pin's metrics are edited by hand", async () => {
    await git(dir, "add", "models.lock.json");
    await git(dir, "commit", "-qm", "pin");
    expect((await verify()).out).toBe("no pin was added or changed");
    expect((await verify("--all")).exitCode).toBe(0);

    const committed = await readFile(lockFile, "utf8");
    const lock = JSON.parse(committed);
    lock.models["co2-forecast"].pins.staging.metrics.mape_h12 = 0.0001;
    await writeFile(lockFile, JSON.stringify(lock, null, 2));
    try {
      const edited = await verify();
      expect(edited.exitCode).toBe(1);
      expect(edited.out).toMatch(/\| metrics \| ❌ \| mape_h12: pinned 0.0001, the card says [\d.]+/);
      expect(edited.out).toMatch(/1 of 1 pin failed verification: co2-forecast@staging v1 \(metrics\)$/);
      const json = JSON.parse((await verify("--json")).out);
      expect(json).toMatchObject([{ model: "co2-forecast", ok: false }]);
    } finally {
      await writeFile(lockFile, committed);
    }
  });

  it("says how to get an artifact that is not in the store, and tries to rebuild it under --reproduce", async () => {
    const lock = JSON.parse(await readFile(lockFile, "utf8"));
    const { sha256 } = lock.models["co2-forecast"].pins.staging;
    const artifact = join(dir, ".lockstep", "store", "sha256", sha256);
    await rename(artifact, `${artifact}.away`);
    try {
      const plain = await verify("--all");
      expect(plain.exitCode).toBe(1);
      expect(plain.out).toMatch(/\| artifact \| ❌ \| artifact .* not found .*Rebuild it: `npm start`/);
      const rebuild = await verify("--all", "--reproduce", "--data", "co2-forecast=missing.csv");
      expect(rebuild.exitCode).toBe(1);
      expect(rebuild.out).toMatch(
        /\| artifact \| ❌ \| not in the store, and rebuilding it failed: .*missing\.csv not found/,
      );
    } finally {
      await rename(`${artifact}.away`, artifact);
    }
  });

  it("fails the re-run when the evaluation data cannot be read", async () => {
    const result = await verify("--all", "--reproduce", "--data", "co2-forecast=missing.csv");
    expect(result.exitCode).toBe(1);
    expect(result.out).toMatch(/\| reproduction \| ❌ \| cannot read the evaluation data missing.csv: /);
  });

  it("refuses bad options with exit 2 and a clear message", async () => {
    const cases: [string[], RegExp][] = [
      [["--tolerance", "2"], /tolerance must be a relative difference above 0 and below 1/],
      [["--tolerance", "abc"], /tolerance must be/],
      [["--tolerance", "-1%"], /tolerance must be/],
      [["--data", "co2-forecast"], /is not model=uri/],
      [["--data", "nope=x.csv"], /unknown model "nope"/],
      [["--data", "co2-forecast=a.csv", "--data", "co2-forecast=b.csv"], /given twice/],
      [["--data", `co2-forecast=${"x".repeat(3000)}`], /too long/],
      [["git:no-such-rev"], /cannot read models.lock.json at git revision "no-such-rev"/],
      [["git:--output=/tmp/x"], /cannot read models.lock.json/],
      [["missing.json"], /does not exist/],
    ];
    for (const [args, message] of cases) {
      const result = await verify(...args);
      expect(result.exitCode, args.join(" ")).toBe(2);
      expect(result.err, args.join(" ")).toMatch(message);
    }
  });

  it("lets a promoted environment take only artifacts its source pinned, by the base's deployment config", async () => {
    const config = JSON.parse(
      await readFile(new URL("../../../lockstep.deploy.json", import.meta.url), "utf8"),
    );
    config.environments.edge = {
      ...config.environments.production,
      namespace: "lockstep-edge",
      host: "edge.lockstep.example.com",
      promotedFrom: "production",
    };
    await writeFile(join(dir, "lockstep.deploy.json"), JSON.stringify(config, null, 2));
    await git(dir, "add", "lockstep.deploy.json");
    await git(dir, "commit", "-qm", "deploy config");
    const committed = await readFile(lockFile, "utf8");
    const lock = JSON.parse(committed);
    const pin = lock.models["co2-forecast"].pins.staging;
    lock.models["co2-forecast"].pins = { staging: pin, production: pin, edge: pin };
    await writeFile(lockFile, JSON.stringify(lock, null, 2));
    try {
      const result = await verify();
      expect(result.exitCode).toBe(1);
      expect(result.out).toMatch(
        /\| co2-forecast \| production \| 1 \| promotion \| ✅ \| the artifact staging pinned/,
      );
      expect(result.out).toMatch(
        /\| co2-forecast \| edge \| 1 \| promotion \| ❌ \| edge takes only artifacts production has pinned: [0-9a-f]{12} was never/,
      );
      expect(result.out).toMatch(/1 of 2 pins failed verification: co2-forecast@edge v1 \(promotion\)$/);

      // the pull request's own config cannot lift the rule: the base's governs
      delete config.environments.edge.promotedFrom;
      await writeFile(join(dir, "lockstep.deploy.json"), JSON.stringify(config, null, 2));
      expect((await verify()).out).toMatch(/co2-forecast@edge v1 \(promotion\)$/);
    } finally {
      await writeFile(lockFile, committed);
      await git(dir, "checkout", "--", "lockstep.deploy.json");
    }
  });

  it("with --head and --deployed reads the head's lock as data and each pin where its pods load it", async () => {
    const s3 = await startS3("artifacts");
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" });
    const config = JSON.parse(
      await readFile(new URL("../../../lockstep.deploy.json", import.meta.url), "utf8"),
    );
    const store = {
      uri: "s3://artifacts/models",
      endpoint: s3.endpoint,
      region: "us-east-1",
      secretName: "lockstep-store",
    };
    config.environments.staging.store = store;
    config.environments.production.store = store;
    const committed = await readFile(lockFile, "utf8");
    let base = "HEAD";
    try {
      await writeFile(join(dir, "lockstep.deploy.json"), JSON.stringify(config, null, 2));
      await writeFile(lockFile, committed);
      await git(dir, "add", "lockstep.deploy.json", "models.lock.json");
      await git(dir, "commit", "-qm", "deploy from the loopback S3");
      base = (await git(dir, "rev-parse", "HEAD")).stdout.trim();
      // the head pins staging's artifact in production, its uri pointing at a file nobody deploys
      const lock = JSON.parse(committed);
      const pin = lock.models["co2-forecast"].pins.staging;
      lock.models["co2-forecast"].pins.production = {
        ...pin,
        uri: `file://.lockstep/store/sha256/${pin.sha256}`,
      };
      await git(dir, "checkout", "-qb", "head");
      await writeFile(lockFile, JSON.stringify(lock, null, 2));
      await git(dir, "commit", "-qm", "promote", "models.lock.json");
      const head = (await git(dir, "rev-parse", "HEAD")).stdout.trim();
      await git(dir, "checkout", "-q", base);
      expect(await readFile(lockFile, "utf8")).toBe(committed);

      // the pods' store does not hold it: refused, although the pin's own uri would have read it
      const missing = await verify(`git:${base}`, "--head", head, "--deployed");
      expect(missing.exitCode, missing.err).toBe(1);
      const where = `s3://artifacts/models/sha256/${pin.sha256}`;
      expect(missing.out).toContain(
        `| co2-forecast | production | 1 | location | ✅ | read where production's pods load it: ${where} |`,
      );
      expect(missing.out).toMatch(/\| co2-forecast \| production \| 1 \| artifact \| ❌ \|/);

      // once it is there, every check reads those bytes
      const bytes = await readFile(join(dir, ".lockstep", "store", "sha256", pin.sha256));
      await openStore(store.uri, {
        env: { ...process.env, AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: "us-east-1" },
      }).put(bytes);
      const present = await verify(`git:${base}`, "--head", head, "--deployed");
      expect(present.exitCode, present.out).toBe(0);
      expect(present.out).toContain(`| artifact | ✅ | fetched ${where}, SHA-256 verified |`);

      // a head that moves production's store within the base's endpoint: every production pin is
      // verified at the new place (none is there yet); staging no longer deployed: refused
      const moved = structuredClone(config);
      moved.environments.production.store = { ...store, uri: "s3://artifacts/elsewhere" };
      delete moved.environments.staging;
      delete moved.environments.production.promotedFrom;
      delete moved.models;
      const commitHead = async (message: string, deploy: object, edit: (l: typeof lock) => void) => {
        await git(dir, "checkout", "-q", head);
        await writeFile(join(dir, "lockstep.deploy.json"), JSON.stringify(deploy, null, 2));
        const edited = structuredClone(lock);
        edit(edited);
        await writeFile(lockFile, JSON.stringify(edited, null, 2));
        await git(dir, "commit", "-qm", message, "models.lock.json", "lockstep.deploy.json");
        const sha = (await git(dir, "rev-parse", "HEAD")).stdout.trim();
        await git(dir, "checkout", "-q", "-f", base);
        return sha;
      };
      const movedHead = await commitHead("move the store", moved, (l) => {
        l.models["co2-forecast"].pins.staging = { ...pin, version: "7" };
      });
      const refused = await verify(`git:${base}`, "--head", movedHead, "--deployed");
      expect(refused.exitCode, refused.err).toBe(1);
      expect(refused.out).toContain(
        `| co2-forecast | production | 1 | location | ✅ | read where production's pods load it: s3://artifacts/elsewhere/sha256/${pin.sha256} |`,
      );
      expect(refused.out).toMatch(/\| co2-forecast \| production \| 1 \| artifact \| ❌ \|/);
      expect(refused.out).toMatch(
        /\| staging \| 7 \| location \| ❌ \| no lockstep.deploy.json deploys environment "staging"/,
      );

      // a head that points a store, or a new environment's, at an endpoint the base never names is
      // refused before any request: the verifier's credentials never go where a pull request says
      const listener = createServer((_, res) => res.writeHead(500).end());
      await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
      let requests = 0;
      listener.on("request", () => (requests += 1));
      const elsewhere = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
      const hostile = structuredClone(config);
      hostile.environments.production.store = { ...store, endpoint: elsewhere };
      hostile.environments.evil = {
        namespace: "lockstep-evil",
        host: "evil.example.com",
        store: { uri: "s3://evil/models", endpoint: elsewhere },
      };
      const hostileHead = await commitHead("send the token elsewhere", hostile, (l) => {
        l.models["co2-forecast"].pins.evil = { ...pin, version: "8" };
      });
      try {
        const stolen = await verify(`git:${base}`, "--head", hostileHead, "--deployed");
        expect(stolen.exitCode, stolen.err).toBe(1);
        expect(stolen.out).toMatch(
          /\| production \| 1 \| location \| ❌ \| production's store endpoint http:\/\/127\.0\.0\.1:\d+ is not one the base names: verification sends no credentials there/,
        );
        expect(stolen.out).toMatch(
          /\| evil \| 8 \| location \| ❌ \| the base deploys no environment "evil"/,
        );
        expect(requests).toBe(0);
      } finally {
        listener.close();
      }
    } finally {
      process.env = saved;
      await git(dir, "checkout", "-q", "-f", base);
      await writeFile(lockFile, committed);
      await s3.close();
    }
  }, 60_000);
});
