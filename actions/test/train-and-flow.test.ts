import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { parseLock } from "@lockstep/lockfile";
import { co2Forecast } from "@lockstep/models";
import { parseCandidate } from "@lockstep/proposal";
import { startFakeOidc, startIamTokenGate, startS3 } from "@lockstep/store/testing";
import { buildActions } from "../scripts/build.js";
import { paramsFromInputs, snapshotInput } from "../train/src/main.js";
import { git, repository, runAction } from "./runner.js";

const TOKEN = "ghs_flow";
const SMOKE = JSON.stringify(co2Forecast.smokeParams);
let train: string;
let propose: string;
let verify: string;
let work: string;
let github: FakeGitHub;

beforeAll(async () => {
  [propose, train, verify] = await buildActions(["propose-model", "train", "verify-models"]);
  work = await mkdtemp(join(tmpdir(), "lockstep-action-flow-"));
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
});
afterAll(() => github.stop());

/** The PR body with what changes from run to run (hashes, times, commits) made stable. */
const stable = (body: string) =>
  body
    .replaceAll(work, "<work>")
    .replace(/[0-9a-f]{64}/g, "<sha256>")
    .replace(/[0-9a-f]{40}/g, "<commit>")
    .replace(/[0-9a-f]{16}…/g, "<sha256 prefix>…")
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>")
    .replace(/(\| timings \|).*\|/, "$1 <timings> |")
    .replace(/\d+ bytes/, "<n> bytes")
    .replace(
      /<details><summary>Training report<\/summary>[\s\S]*<\/details>/,
      "<details><summary>Training report</summary> … </details>",
    )
    .replace(
      /(\| [\w*() ]+ \| )[—\d.e+-]+( \| )[—\d.e+-]+( \| )[^|]+( \| )[^|]*\|/g,
      "$1<current>$2<candidate>$3<delta>$4<judgement> |",
    );

describe("the train action", () => {
  it("trains, stores, and hands propose-model its candidate, with outputs and a summary", async () => {
    const { clone } = await repository(work);
    const result = await runAction(train, work, clone, undefined, {
      model: "co2-forecast",
      params: SMOKE,
      environment: "production",
      seed: "3",
    });
    expect(result.code, result.stdout).toBe(0);
    const groups = [...result.stdout.matchAll(/^::group::(.*)$/gm)].map((m) => m[1]);
    expect(groups.slice(0, 4)).toEqual([
      "co2-forecast: load data",
      "co2-forecast: backtest",
      "co2-forecast: final model",
      "co2-forecast: store",
    ]);
    // every group is closed before the next opens
    expect(result.stdout.match(/^::endgroup::$/gm)!.length).toBe(groups.length);
    expect(result.outputs.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.outputs.uri).toBe(`file://.lockstep/store/sha256/${result.outputs.sha256}`);
    expect(JSON.parse(result.outputs.metrics!)).toHaveProperty("mape_h12");
    expect(result.outputs.better).toBe("true");
    const candidate = parseCandidate(await readFile(result.outputs["candidate-path"]!, "utf8"));
    expect(candidate).toMatchObject({ model: "co2-forecast", environment: "production", seed: 3 });
    expect(candidate.params).toMatchObject({ seed: 3 });
    expect(await readFile(result.outputs["report-path"]!, "utf8")).toMatch(/co2/i);
    expect(result.summary).toContain("<td>mape_h12</td>");
    // the action snapshots its data by default: the pin names it, the store holds its bytes
    expect(result.outputs["data-snapshot"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(candidate.pin.evaluation.dataSnapshot).toBe(result.outputs["data-snapshot"]);
    const key = result.outputs["data-snapshot"]!.slice("sha256:".length);
    const stored = await readFile(join(clone, ".lockstep", "store", "data", "sha256", key));
    expect(createHash("sha256").update(stored).digest("hex")).toBe(key);
    // and it leaves a run record in the store, naming the artifact, its snapshot and the run
    const runs = join(clone, ".lockstep", "store", "runs", "co2-forecast");
    const [recordFile] = (await readdir(runs)).filter((name) => name !== "index.json");
    const record = JSON.parse(await readFile(join(runs, recordFile!), "utf8"));
    expect(record).toMatchObject({
      kind: "train",
      environment: "production",
      artifact: { sha256: result.outputs.sha256 },
      data: { snapshot: { sha256: key } },
      gate: { better: true },
    });
    expect(result.stdout).toContain(`run       co2-forecast/${record.id}`);
  });

  it.each([
    [{ params: "{not json" }, /params is not valid JSON/],
    [{ params: "[1, 2]" }, /params must be a JSON object/],
    [{ model: "no-such-model" }, /no-such-model/],
    [{ seed: "-1" }, /seed must be an integer/],
    [{ data: "file:///definitely/not/here.csv" }, /not\/here\.csv|does not exist|ENOENT/],
    [{ params: '{"epochs": "many"}' }, /epochs/],
  ])("fails clearly on bad input %j", async (bad, message) => {
    const { clone } = await repository(work);
    const result = await runAction(train, work, clone, undefined, {
      model: "co2-forecast",
      params: SMOKE,
      ...bad,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`::error::.*${message.source}`));
    expect(result.outputs.sha256).toBeUndefined();
  });

  it("stores to Object Storage with an IAM token from workload identity federation, masked", async () => {
    const account = "ajeg2b2et02fabcdefgh";
    const s3 = await startS3("artifacts");
    const oidc = await startFakeOidc(account);
    const gate = await startIamTokenGate(s3.endpoint, oidc.iamToken);
    try {
      const { clone } = await repository(work);
      const env = {
        AWS_ENDPOINT_URL_S3: gate.endpoint,
        AWS_REGION: "ru-central1",
        LOCKSTEP_YC_SERVICE_ACCOUNT_ID: account,
        LOCKSTEP_YC_TOKEN_URL: oidc.tokenUrl,
        ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
      };
      const inputs = { model: "co2-forecast", params: SMOKE, store: "s3://artifacts/models" };
      const result = await runAction(train, work, clone, undefined, inputs, env);
      expect(result.code, result.stdout).toBe(0);
      expect(result.outputs.uri).toBe(`s3://artifacts/models/sha256/${result.outputs.sha256}`);
      expect(result.stdout).toContain(`store credentials: an IAM token of service account ${account}`);
      expect(gate.requests()).toBeGreaterThan(0);
      // the runner hides masked values; the token appears only in its own add-mask command
      const occurrences = result.stdout.split(oidc.iamToken).length - 1;
      expect(result.stdout).toContain(`::add-mask::${oidc.iamToken}`);
      expect(occurrences).toBe(1);

      const withoutPermission = await runAction(train, work, clone, undefined, inputs, {
        ...env,
        ACTIONS_ID_TOKEN_REQUEST_URL: "",
      });
      expect(withoutPermission.code).toBe(1);
      expect(withoutPermission.stdout).toMatch(/::error::cannot get this job's OIDC token .*id-token: write/);
    } finally {
      await gate.close();
      await oidc.close();
      await s3.close();
    }
  });

  it("reads the snapshot input strictly (on unless false)", () => {
    expect(snapshotInput("")).toBe(true);
    expect(snapshotInput("true")).toBe(true);
    expect(snapshotInput(" FALSE ")).toBe(false);
    expect(() => snapshotInput("sometimes")).toThrow(/snapshot must be "true" or "false"/);
  });

  it("reads params and seed inputs strictly", () => {
    expect(paramsFromInputs("", "")).toEqual({});
    expect(paramsFromInputs('{"a": 1}', "7")).toEqual({ a: 1, seed: 7 });
    expect(() => paramsFromInputs("null", "")).toThrow(/JSON object/);
    expect(() => paramsFromInputs("{}", "1.5")).toThrow(/seed/);
    expect(() => paramsFromInputs("{}", "99999999999")).toThrow(/seed/);
    // hostile: deep nesting, megabytes, text quoted back
    expect(() => paramsFromInputs(`{"a": ${"[".repeat(50_000)}${"]".repeat(50_000)}}`, "")).toThrow(
      /deeper than 8/,
    );
    expect(() => paramsFromInputs(`{"a": "${"x".repeat(2 * 1024 * 1024)}"}`, "")).toThrow(
      /larger than 1 MiB/,
    );
    expect(() => paramsFromInputs("{SECRET_token}", "")).toThrow(
      /^(?![\s\S]*SECRET)params is not valid JSON/,
    );
  });
});

describe("train → propose → verify, end to end (co2-forecast)", () => {
  it("ends in one pull request a reviewer can judge, whose lock verifies", async () => {
    const { origin, clone } = await repository(work);
    const base = await git(clone, "rev-parse", "HEAD");
    // the store every job shares (S3 on GitHub)
    const store = `file://${join(work, "flow-store")}`;
    const trained = await runAction(train, work, clone, undefined, {
      model: "co2-forecast",
      params: SMOKE,
      environment: "production",
      store,
    });
    expect(trained.code, trained.stdout).toBe(0);
    // the artifact as a file, for the attestation step: its bytes are the pinned sha256
    const artifact = await readFile(trained.outputs["artifact-path"]!);
    expect(createHash("sha256").update(artifact).digest("hex")).toBe(trained.outputs.sha256);
    const attestation = "https://github.com/acme/models/attestations/4242";
    const proposed = await runAction(propose, work, clone, github, {
      candidate: trained.outputs["candidate-path"]!,
      report: trained.outputs["report-path"]!,
      token: TOKEN,
      attestation,
    });
    expect(proposed.code, proposed.stdout).toBe(0);
    const pull = github.pulls.find((p) => String(p.number) === proposed.outputs["pull-request-number"])!;
    expect(pull.title).toMatch(/^co2-forecast \(production\): first pin, v1, mape_h12 [\d.]+$/);
    expect(stable(pull.body!)).toMatchSnapshot();

    // what verify-models.yml runs on the pull request: a checkout of the base, the head read as data
    const checkout = join(work, "pull-request-base");
    await git(work, "clone", "-q", "--branch", "main", origin, checkout);
    const head = proposed.outputs.commit!;
    const lock = parseLock(
      await git(checkout, "show", `origin/${proposed.outputs.branch!}:models.lock.json`),
    );
    expect(lock.models["co2-forecast"]!.pins.production!.sha256).toBe(trained.outputs.sha256);
    expect(lock.models["co2-forecast"]!.pins.production!.source.attestation).toBe(attestation);
    // this repository deploys nothing (no lockstep.deploy.json): the pin's own store is read; the
    // fake signs no attestation (a real one is verified in packages/verify's Sigstore tests)
    const verified = await runAction(
      verify,
      work,
      checkout,
      github,
      { base, head, deployed: "false", attestation: "off" },
      { GITHUB_TOKEN: TOKEN },
    );
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.outputs).toMatchObject({ ok: "true", verified: "1", failed: "0" });
    expect(verified.summary).toMatch(
      /\| co2-forecast \| production \| 1 \| reproduction \| ✅ \| 16 metrics re-computed .*byte-identical/,
    );
    // the verdict is the head commit's status, where the ruleset reads it
    expect(github.statuses.get(head)).toEqual([
      {
        state: "success",
        context: "lockstep/verify",
        description: "1 pin verified, all checks held",
        target_url: "https://github.com/acme/models/actions/runs/42",
      },
    ]);
  }, 120_000);
});
