import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as lockstep } from "@lockstep/cli";
import { parseLock, type LockFile } from "@lockstep/lockfile";
import { co2Forecast } from "@lockstep/models";
import { cardMetadata, readCard, withMetadata } from "@lockstep/onnx";
import { fetchArtifact, openStore } from "@lockstep/store";
import { startS3 } from "@lockstep/store/testing";
import { wrapSection } from "@lockstep/github";
import { FakeGitHub, provenanceStatement } from "@lockstep/github/testing";
import { REPLAY_SECTION } from "@lockstep/proposal";
import { buildActions } from "../scripts/build.js";
import { booleanInput } from "../verify-models/src/main.js";
import { exec, git, repository, runAction } from "./runner.js";

let action: string;
let work: string;
let origin: string;
let clone: string;
let store: string;
let base: string;
let lock: LockFile;
const BRANCH = "lockstep/co2-forecast/production";

/** A pull request's checkout: base = main, the head commits the lock with the trained pin. */
beforeAll(async () => {
  [action] = await buildActions(["verify-models"]);
  work = await mkdtemp(join(tmpdir(), "lockstep-action-verify-"));
  ({ origin, clone } = await repository(work));
  base = await git(clone, "rev-parse", "HEAD");
  store = join(work, "store");
  const quiet = { result() {}, json() {}, progress() {}, warn() {}, error() {} };
  const params = JSON.stringify(co2Forecast.smokeParams);
  const lockFile = join(clone, "models.lock.json");
  const args = ["--params", params, "--env", "production", "--store", `file://${store}`, "--lock", lockFile];
  expect((await lockstep(["train", "co2-forecast", ...args, "--pin"], quiet)).exitCode).toBe(0);
  await git(clone, "checkout", "-q", "-b", BRANCH);
  await git(clone, "add", "models.lock.json");
  await git(clone, "commit", "-q", "-m", "bump co2-forecast");
  await git(clone, "push", "-q", "origin", BRANCH);
  lock = parseLock(await readFile(lockFile, "utf8"));
}, 180_000);
afterAll(() => rm(work, { recursive: true, force: true }));

/** The pin-level checks below read the pin's own file store: no deployment config names one. */
const local = { deployed: "false", attestation: "off" };

const pinned = () => structuredClone(lock.models["co2-forecast"]!.pins.production!);

/** Runs the action on the head with the lock (uncommitted edits are what the action reads). */
async function verifyWith(edit: ((l: LockFile) => void) | undefined, inputs: Record<string, string> = {}) {
  const lockFile = join(clone, "models.lock.json");
  const edited = structuredClone(lock);
  edit?.(edited);
  await writeFile(lockFile, JSON.stringify(edited, null, 2));
  try {
    return await runAction(action, work, clone, undefined, { ...local, base, reproduce: "false", ...inputs });
  } finally {
    await git(clone, "checkout", "-q", "--", "models.lock.json");
  }
}

const errorLine = (stdout: string) => stdout.split("\n").find((l) => l.startsWith("::error::")) ?? "";

describe("the verify-models action (bundled, run as the runner runs it)", () => {
  it("passes a pull request whose new pin holds, re-running its evaluation, with outputs and a summary", async () => {
    const result = await runAction(action, work, clone, undefined, { ...local, base });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toMatchObject({ ok: "true", verified: "1", failed: "0" });
    expect(result.stdout).toContain("re-running the evaluation of co2-forecast");
    expect(result.summary).toContain("1 pin verified, all checks held.");
    for (const check of ["artifact", "size", "card", "metrics", "onnxruntime", "golden", "reproduction"])
      expect(result.summary).toContain(`| co2-forecast | production | 1 | ${check} | ✅ |`);
    expect(result.summary).toMatch(/\| reproduction \| ✅ \| .*within 1% relative/);
    const results = JSON.parse(await readFile(result.outputs["results-path"]!, "utf8"));
    expect(results[0]).toMatchObject({ model: "co2-forecast", environment: "production", ok: true });
  }, 120_000);

  it("with a replay sample, adds the shadow replay of each changed pin to the summary and the replay output", async () => {
    const result = await verifyWith(undefined, { "replay-sample": join(work, "replay") });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs.replay).toContain("### Shadow replay");
    // the base pins nothing in production yet: nothing to replay against, said, not failed
    expect(result.outputs.replay).toContain("there is no pin to replay against");
    expect(result.summary).toContain("### Shadow replay");
    // verify-models.yml's replay job: that output, into the pull request's body (its replay section)
    const github = new FakeGitHub({ owner: "acme", repo: "models", token: "ghs_t" });
    await github.start();
    try {
      const [section] = await buildActions(["pull-request-section"]);
      github.pulls.push({
        number: 3,
        state: "open",
        title: "co2-forecast (production): v1",
        body: `Bumps co2-forecast.\n\n${wrapSection(REPLAY_SECTION, "### Shadow replay\n\nfrom propose")}`,
        head: BRANCH,
        base: "main",
        labels: [],
        created_at: "2026-12-07T00:00:00Z",
        updated_at: "2026-12-07T00:00:00Z",
      });
      const written = await runAction(section!, work, clone, github, {
        token: "ghs_t",
        number: "3",
        section: REPLAY_SECTION,
        markdown: result.outputs.replay!,
      });
      expect(written.code, written.stdout).toBe(0);
      expect(github.pulls[0]!.body).toBe(
        `Bumps co2-forecast.\n\n${wrapSection(REPLAY_SECTION, result.outputs.replay!)}\n`,
      );
    } finally {
      await github.stop();
    }
  });

  it("fails on metrics edited by hand in the lock, with the table", async () => {
    const result = await verifyWith((l) => {
      l.models["co2-forecast"]!.pins.production!.metrics.mape_h12 = 0.0001;
    });
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ ok: "false", verified: "1", failed: "1" });
    expect(errorLine(result.stdout)).toMatch(
      /^::error::1 of 1 pin failed verification: co2-forecast@production v1 \(metrics\)%0A\| model \|/,
    );
    expect(result.summary).toMatch(/\| metrics \| ❌ \| mape_h12: pinned 0.0001, the card says/);
  });

  it("fails on a pin that points at a missing object", async () => {
    const missing = "0".repeat(64);
    const result = await verifyWith((l) => {
      Object.assign(l.models["co2-forecast"]!.pins.production!, {
        sha256: missing,
        uri: `file://${store}/sha256/${missing}`,
      });
    });
    expect(result.code).toBe(1);
    expect(result.summary).toMatch(/\| artifact \| ❌ \| .*(not found|does not exist|missing)/i);
  });

  it("fails on a tampered artifact", async () => {
    const tampered = join(work, "tampered-store");
    await cp(store, tampered, { recursive: true });
    const pin = pinned();
    const file = join(tampered, "sha256", pin.sha256);
    const bytes = await readFile(file);
    bytes[bytes.length - 10] ^= 0xff;
    await chmod(file, 0o644);
    await writeFile(file, bytes);
    const result = await verifyWith((l) => {
      l.models["co2-forecast"]!.pins.production!.uri = `file://${tampered}/sha256/${pin.sha256}`;
    });
    expect(result.code).toBe(1);
    expect(result.summary).toMatch(/\| artifact \| ❌ \| .*(sha-?256|integrity|mismatch)/i);
  });

  it("fails on an artifact whose card and pin both claim metrics its evaluation does not give", async () => {
    const pin = pinned();
    const card = readCard(await fetchArtifact(pin.uri, pin.sha256));
    card.metrics = { ...card.metrics, mape_h12: card.metrics.mape_h12! / 3 };
    const forged = await openStore(`file://${store}`).put(
      withMetadata(await fetchArtifact(pin.uri, pin.sha256), cardMetadata(card)),
    );
    const result = await verifyWith(
      (l) => Object.assign(l.models["co2-forecast"]!.pins.production!, forged, { metrics: card.metrics }),
      { reproduce: "true", tolerance: "0.02" },
    );
    expect(result.code).toBe(1);
    expect(result.summary).toContain("| metrics | ✅ |");
    expect(result.summary).toMatch(/\| reproduction \| ❌ \| outside 2% relative: mape_h12: pinned/);
  }, 120_000);

  it("fetches the base revision into a shallow checkout", async () => {
    const shallow = join(work, "shallow");
    await exec("git", ["clone", "-q", "--depth=1", "--branch", BRANCH, `file://${origin}`, shallow]);
    await expect(git(shallow, "cat-file", "-e", `${base}^{commit}`)).rejects.toThrow();
    const result = await runAction(action, work, shallow, undefined, { ...local, base, reproduce: "false" });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain(`fetching ${base} from origin`);
    expect(result.outputs.verified).toBe("1");
  });

  it("says so when nothing changed", async () => {
    const head = await git(clone, "rev-parse", "HEAD");
    const result = await runAction(action, work, clone, undefined, {
      ...local,
      base: head,
      reproduce: "false",
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toMatchObject({ ok: "true", verified: "0" });
    expect(result.summary).toContain("No pin was added or changed.");
  });

  it.each([
    [{ base: "" }, /base is empty/],
    [{ base: "--upload-pack=touch /tmp/x" }, /is not a git revision/],
    [{ base: "f".repeat(40) }, /cannot fetch the base revision/],
    [{ reproduce: "yes" }, /reproduce must be true or false/],
    [{ tolerance: "5" }, /tolerance must be a relative difference/],
    [{ tolerance: "1e400" }, /tolerance must be/],
    [{ data: "co2-forecast" }, /is not model=uri/],
    [{ data: "nope=x.csv" }, /unknown model "nope"/],
    [{ lock: "../../etc/passwd" }, /lock must be a path inside the workspace/],
    [{ lock: "missing.json" }, /does not exist/],
    [{ head: "--upload-pack=touch /tmp/x" }, /head "--upload-pack=touch \/tmp\/x" is not a git revision/],
    [{ head: "e".repeat(40) }, /cannot fetch the head revision/],
    [{ deployed: "maybe" }, /deployed must be true or false/],
  ])("fails clearly on bad input %j", async (bad, message) => {
    const result = await runAction(action, work, clone, undefined, {
      ...local,
      base,
      reproduce: "false",
      ...bad,
    });
    expect(result.code).toBe(1);
    expect(errorLine(result.stdout)).toMatch(message);
    expect(result.outputs.ok).toBeUndefined();
  });

  it("verifies the head's lock as data, from the base's code, where the environment's pods load it", async () => {
    const s3 = await startS3("artifacts");
    const pods = {
      uri: "s3://artifacts/models",
      endpoint: s3.endpoint,
      region: "us-east-1",
      secretName: "lockstep-store",
    };
    const credentials = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" };
    const config = JSON.parse(
      await readFile(join(import.meta.dirname, "../../lockstep.deploy.json"), "utf8"),
    );
    config.environments.staging.store = { ...pods, uri: "s3://artifacts/staging" };
    config.environments.production.store = pods;
    delete config.environments.production.promotedFrom; // this repository's staging pinned nothing
    const repo = join(work, "pr");
    await exec("git", ["clone", "-q", "--branch", "main", `file://${origin}`, repo]);
    try {
      await writeFile(join(repo, "lockstep.deploy.json"), JSON.stringify(config, null, 2));
      await git(repo, "add", "lockstep.deploy.json");
      await git(repo, "commit", "-q", "-m", "deploy from the loopback S3");
      const prBase = await git(repo, "rev-parse", "HEAD");
      // the head pins the trained artifact and, as an attacker would, "fixes" the verifier to pass
      await git(repo, "checkout", "-q", "-b", "attack");
      // pinned where production's pods read it (lock validate --strict holds the head to its stores)
      const headLock = structuredClone(lock);
      const headPin = headLock.models["co2-forecast"]!.pins.production!;
      headPin.uri = `${pods.uri}/sha256/${headPin.sha256}`;
      await writeFile(join(repo, "models.lock.json"), JSON.stringify(headLock, null, 2));
      await mkdir(join(repo, "packages/verify/src"), { recursive: true });
      await writeFile(
        join(repo, "packages/verify/src/verify-pin.ts"),
        "export const verifyPin = async () => ({ ok: true, checks: [] });\n",
      );
      // the rendered manifests that ship with the lock, as `lockstep render` writes them
      const quiet = { result() {}, json() {}, progress() {}, warn() {}, error() {} };
      expect(
        (await lockstep(["render", "--dry-run", "--lock", join(repo, "models.lock.json")], quiet)).exitCode,
      ).toBe(0);
      await git(repo, "add", ".");
      await git(repo, "commit", "-q", "-m", "bump co2-forecast and trust me");
      const head = await git(repo, "rev-parse", "HEAD");
      await git(repo, "push", "-q", "origin", "attack");
      // the job's checkout is the base: nothing of the head is in the workspace
      await git(repo, "checkout", "-q", prBase);
      await git(repo, "branch", "-q", "-D", "attack");
      await git(repo, "update-ref", "-d", "refs/remotes/origin/attack");
      await git(repo, "reflog", "expire", "--expire=now", "--all");
      await git(repo, "gc", "-q", "--prune=now");
      const inputs = { base: prBase, head, reproduce: "false", attestation: "off" };

      const absent = await runAction(action, work, repo, undefined, inputs, credentials);
      expect(absent.code, absent.stdout).toBe(1);
      expect(absent.summary, absent.stdout).not.toBe("");
      const where = `s3://artifacts/models/sha256/${pinned().sha256}`;
      expect(absent.stdout).toContain(`fetching ${head} from origin`);
      expect(absent.summary).toContain(
        `| co2-forecast | production | 1 | location | ✅ | read where production's pods load it: ${where} |`,
      );
      expect(absent.summary).toMatch(/\| co2-forecast \| production \| 1 \| artifact \| ❌ \|/);

      await openStore(pods.uri, {
        env: { ...credentials, AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: "us-east-1" },
      }).put(await fetchArtifact(pinned().uri, pinned().sha256));
      const present = await runAction(action, work, repo, undefined, inputs, credentials);
      expect(present.code, present.stdout).toBe(0);
      expect(present.summary).toContain(`| artifact | ✅ | fetched ${where}, SHA-256 verified |`);
      expect(await readFile(join(repo, "models.lock.json"), "utf8").catch(() => "absent")).toBe("absent");
      expect(present.summary).toMatch(/argocd\/ at [0-9a-f]{40} is up to date/);

      /** A head branched from the verified one, with one edit, committed; the workspace back on the base. */
      const headWith = async (branch: string, edit: () => Promise<void>) => {
        await git(repo, "checkout", "-q", "-b", branch, head);
        await edit();
        await git(repo, "commit", "-q", "-am", branch);
        const sha = await git(repo, "rev-parse", "HEAD");
        await git(repo, "checkout", "-q", prBase);
        return runAction(action, work, repo, undefined, { ...inputs, head: sha }, credentials);
      };

      // a head whose argocd/ is edited by hand past its lock fails: Argo CD applies only what this code renders
      const rollout = join(repo, "argocd/envs/production/co2-forecast/rollout.yaml");
      const handEdited = await headWith("edited", async () =>
        writeFile(
          rollout,
          (await readFile(rollout, "utf8")).replace(/image: .*/, "image: evil.example.com/miner:latest"),
        ),
      );
      expect(handEdited.code).toBe(1);
      expect(handEdited.summary).toMatch(
        /\| argocd\/ \| \* \| - \| rendered \| ❌ \| argocd\/ at [0-9a-f]{40} is stale: .*changed +argocd\/envs\/production\/co2-forecast\/rollout.yaml/,
      );

      // a head whose pin names a file outside every configured store fails before anything is read
      const refused = await headWith("outside", async () => {
        headPin.uri = `file://x/sha256/${headPin.sha256}`;
        await writeFile(join(repo, "models.lock.json"), JSON.stringify(headLock, null, 2));
      });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(
        /::error::the head's models.lock.json is not valid under --strict:.*\/models\/co2-forecast\/pins\/production\/uri: file:\/\/x\/sha256\/[0-9a-f]{64} is not <store>\/sha256\//,
      );
    } finally {
      await s3.close();
    }
  }, 60_000);

  it("requires each changed pin's build provenance: signed by train.yml of this repository at main, for its sha256", async () => {
    const github = new FakeGitHub({ owner: "acme", repo: "models", token: "t0ken" });
    await github.start();
    const pin = pinned();
    const statement = (workflow: string) => provenanceStatement(pin.sha256, { workflow });
    const attested = (l: LockFile) => {
      l.models["co2-forecast"]!.pins.production!.source.attestation =
        "https://github.com/acme/models/attestations/9";
    };
    const env = { GITHUB_TOKEN: "t0ken" };
    try {
      const withFake = async (edit: (l: LockFile) => void) => {
        const lockFile = join(clone, "models.lock.json");
        const edited = structuredClone(lock);
        edit(edited);
        await writeFile(lockFile, JSON.stringify(edited, null, 2));
        try {
          return await runAction(
            action,
            work,
            clone,
            github,
            { ...local, base, reproduce: "false", attestation: "required" },
            env,
          );
        } finally {
          await git(clone, "checkout", "-q", "--", "models.lock.json");
        }
      };
      // none recorded yet, and a pin that names none
      const missing = await withFake(attested);
      expect(missing.code).toBe(1);
      expect(missing.summary).toMatch(
        /\| attestation \| ❌ \| acme\/models holds no build-provenance attestation for sha256:/,
      );
      expect((await withFake(() => {})).summary).toMatch(
        /\| attestation \| ❌ \| the pin names no build-provenance attestation/,
      );
      // a statement whose predicate claims train.yml at main, as anyone with attestations: write can
      // record one, but with no Sigstore signature that verifies (the fake signs nothing): refused
      github.addAttestation(statement(".github/workflows/release.yml"));
      github.addAttestation(statement(".github/workflows/train.yml"));
      const forged = await withFake(attested);
      expect(forged.code).toBe(1);
      expect(forged.summary).toMatch(
        /\| attestation \| ❌ \| no attestation signed by https:\/\/github.com\/acme\/models\/\.github\/workflows\/train\.yml@refs\/heads\/main vouches for it: unsigned \(.*\); unsigned \(/,
      );
      // a verify that cannot run is an error on the head, never a missing status
      const unknownHead = "e".repeat(40);
      const broken = await runAction(
        action,
        work,
        clone,
        github,
        { ...local, base, head: unknownHead, reproduce: "false" },
        env,
      );
      expect(broken.code).toBe(1);
      expect(github.statuses.get(unknownHead)).toEqual([
        expect.objectContaining({
          state: "error",
          context: "lockstep/verify",
          description: expect.stringMatching(/cannot fetch the head revision/),
        }),
      ]);
      expect(
        github.calls.some((c) =>
          decodeURIComponent(c.path).startsWith(`/repos/acme/models/attestations/sha256:${pin.sha256}`),
        ),
      ).toBe(true);
    } finally {
      await github.stop();
    }
  });

  it("reads boolean inputs strictly", () => {
    expect(booleanInput("x", "TRUE")).toBe(true);
    expect(booleanInput("x", "false")).toBe(false);
    expect(() => booleanInput("x", "1")).toThrow(/x must be true or false/);
  });
});
