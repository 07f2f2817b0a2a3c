// The GitHub fake checks dispatches as GitHub does, from what .github/workflows declares: a test
// that dispatches a workflow or inputs the repository does not have fails as it would for real.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitHubApiError } from "@lockstep/github";
import { GitHubClient } from "@lockstep/github";
import { declaredWorkflows, FakeGitHub } from "@lockstep/github/testing";
import { REVERT_EVENT } from "@lockstep/deploy";
import { ROOT } from "./workflows.js";

let github: FakeGitHub;
let client: GitHubClient;
beforeAll(async () => {
  github = new FakeGitHub({
    owner: "acme",
    repo: "models",
    token: "t",
    workflows: await declaredWorkflows(ROOT),
  });
  await github.start();
  client = new GitHubClient({ repository: "acme/models", token: "t", apiUrl: github.url });
});
afterAll(() => github.stop());

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "accepted",
    (error: GitHubApiError) => `${error.status} ${error.message}`,
  );

describe("dispatches, as GitHub answers them", () => {
  it("accepts what train.yml, promote.yml and revert.yml declare", async () => {
    await client.dispatchWorkflow("train.yml", "main", { model: "co2-forecast", environment: "staging" });
    await client.dispatchWorkflow("promote.yml", "main", { model: "btc-signal" });
    await client.dispatchWorkflow("revert.yml", "main", {
      model: "fish-classifier",
      environment: "production",
    });
    expect(github.dispatches.map((d) => d.workflow)).toEqual(["train.yml", "promote.yml", "revert.yml"]);
  });

  it("refuses an unknown workflow, one without workflow_dispatch, undeclared inputs and values off the list", async () => {
    expect(await refusal(client.dispatchWorkflow("nope.yml", "main", {}))).toMatch(/^404 .*Not Found/);
    expect(await refusal(client.dispatchWorkflow("ci.yml", "main", {}))).toMatch(
      /^422 .*does not have 'workflow_dispatch' trigger/,
    );
    expect(
      await refusal(
        client.dispatchWorkflow("train.yml", "main", { model: "co2-forecast", script: "curl evil" }),
      ),
    ).toMatch(/^422 .*Unexpected inputs provided: \["script"\]/);
    expect(await refusal(client.dispatchWorkflow("train.yml", "main", { environment: "staging" }))).toMatch(
      /^422 .*Required input 'model' not provided/,
    );
    expect(await refusal(client.dispatchWorkflow("train.yml", "main", { model: "gpt-5" }))).toMatch(
      /^422 .*not in the list of allowed values/,
    );
  });

  it("takes the repository_dispatch Argo CD Notifications sends, and no other type", async () => {
    const post = (eventType: string) =>
      fetch(`${github.url}/repos/acme/models/dispatches`, {
        method: "POST",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body: JSON.stringify({ event_type: eventType, client_payload: { model: "co2-forecast" } }),
      }).then((r) => r.status);
    expect(await post(REVERT_EVENT)).toBe(204);
    expect(await post("deploy-everything")).toBe(422);
    expect(github.repositoryDispatches.map((d) => d.event_type)).toEqual([REVERT_EVENT]);
  });
});
