import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as lockstep } from "@lockstep/cli";
import { FakeGitHub } from "@lockstep/github/testing";
import { parseLock } from "@lockstep/lockfile";
import { co2Forecast } from "@lockstep/models";
import { parseCandidate } from "@lockstep/proposal";
import { buildActions } from "../scripts/build.js";
import { paramsFromInputs } from "../train/src/main.js";
import { git, repository, runAction } from "./runner.js";

const TOKEN = "ghs_flow";
const SMOKE = JSON.stringify(co2Forecast.smokeParams);
let train: string;
let propose: string;
let work: string;
let github: FakeGitHub;

beforeAll(async () => {
  [propose, train] = await buildActions(["propose-model", "train"]);
  work = await mkdtemp(join(tmpdir(), "lockstep-action-flow-"));
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
});
afterAll(() => github.stop());

/** The PR body with what changes from run to run (hashes, times, commits) made stable. */
const stable = (body: string) =>
  body
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
    expect(result.stdout).toContain("::group::train co2-forecast");
    expect(result.outputs.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.outputs.uri).toBe(`file://.lockstep/store/sha256/${result.outputs.sha256}`);
    expect(JSON.parse(result.outputs.metrics!)).toHaveProperty("mape_h12");
    expect(result.outputs.better).toBe("true");
    const candidate = parseCandidate(await readFile(result.outputs["candidate-path"]!, "utf8"));
    expect(candidate).toMatchObject({ model: "co2-forecast", environment: "production", seed: 3 });
    expect(candidate.params).toMatchObject({ seed: 3 });
    expect(await readFile(result.outputs["report-path"]!, "utf8")).toMatch(/co2/i);
    expect(result.summary).toContain("<td>mape_h12</td>");
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

  it("reads params and seed inputs strictly", () => {
    expect(paramsFromInputs("", "")).toEqual({});
    expect(paramsFromInputs('{"a": 1}', "7")).toEqual({ a: 1, seed: 7 });
    expect(() => paramsFromInputs("null", "")).toThrow(/JSON object/);
    expect(() => paramsFromInputs("{}", "1.5")).toThrow(/seed/);
    expect(() => paramsFromInputs("{}", "99999999999")).toThrow(/seed/);
  });
});

describe("train → propose → verify, end to end (co2-forecast)", () => {
  it("ends in one pull request a reviewer can judge, whose lock verifies", async () => {
    const { origin, clone } = await repository(work);
    const trained = await runAction(train, work, clone, undefined, {
      model: "co2-forecast",
      params: SMOKE,
      environment: "production",
    });
    expect(trained.code, trained.stdout).toBe(0);
    const proposed = await runAction(propose, work, clone, github, {
      candidate: trained.outputs["candidate-path"]!,
      report: trained.outputs["report-path"]!,
      token: TOKEN,
    });
    expect(proposed.code, proposed.stdout).toBe(0);
    const pull = github.pulls.find((p) => String(p.number) === proposed.outputs["pull-request-number"])!;
    expect(pull.title).toMatch(/^co2-forecast \(production\): first pin, v1, mape_h12 [\d.]+$/);
    expect(stable(pull.body!)).toMatchSnapshot();

    // verify: what verify-models.yml runs on the pull request's head
    const verifier = join(work, "verify");
    await git(work, "clone", "-q", "--branch", proposed.outputs.branch!, origin, verifier);
    const out = {
      text: [] as string[],
      result(t: string) {
        this.text.push(t);
      },
      json() {},
      progress() {},
      warn() {},
      error(t: string) {
        this.text.push(t);
      },
    };
    expect((await lockstep(["lock", "validate", join(verifier, "models.lock.json")], out)).exitCode).toBe(0);
    const lock = parseLock(await readFile(join(verifier, "models.lock.json"), "utf8"));
    expect(lock.models["co2-forecast"]!.pins.production!.sha256).toBe(trained.outputs.sha256);
  });
});
