// One identity per job: the Yandex token exchange, configured from the synthesized federation,
// gives each workflow job exactly the account its repository variable names, and nothing else.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchangeIdTokenForIamToken } from "@lockstep/store";
import { startFakeOidc, type FakeFederation } from "@lockstep/store/testing";
import { accountRoles } from "../../infra/test/roles.js";
import { resources, synthAll, type SynthResult } from "../../infra/test/synth.js";
import { ACCOUNTS, ACCOUNT_OF_VARIABLE, JOBS, WRITERS } from "./policy.js";
import { accountOf, jobs, jobSubject, runsPullRequestCode } from "./workflows.js";

let result: SynthResult;
/** A Yandex-shaped service account ID per account name (the synthesized ones are references). */
const idOf = (account: string) => createHash("sha256").update(account).digest("hex").slice(0, 20);
const accountOfReference = (reference: string) =>
  `lockstep-${/yandex_iam_service_account\.([a-z-]+)_account_/.exec(reference)![1]}`;
let federation: FakeFederation;
const fakes: { close: () => Promise<void> }[] = [];

beforeAll(() => {
  result = synthAll();
  const [declared] = resources(result, "yandex_iam_workload_identity_oidc_federation");
  federation = {
    audiences: declared!.value.audiences,
    credentials: resources(result, "yandex_iam_workload_identity_federated_credential").map(({ value }) => ({
      subject: value.external_subject_id,
      serviceAccountId: idOf(accountOfReference(value.service_account_id)),
    })),
  };
});
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
});

/** This job's OIDC token, as GitHub would issue it, exchanged for `account` by the federation's rules. */
async function exchange(subject: string, account: string): Promise<"granted" | string> {
  const fake = await startFakeOidc("unused", { subject, federation });
  fakes.push(fake);
  const answer = await fetch(`${fake.requestUrl}&audience=${encodeURIComponent(federation.audiences[0]!)}`, {
    headers: { authorization: `Bearer ${fake.requestToken}` },
  });
  const { value: idToken } = (await answer.json()) as { value: string };
  try {
    await exchangeIdTokenForIamToken({ idToken, serviceAccountId: idOf(account), tokenUrl: fake.tokenUrl });
    return "granted";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("identities", () => {
  it("each service account holds exactly its documented roles, each on its resource", () => {
    expect(accountRoles(result)).toEqual(ACCOUNTS);
  });

  it("each repository variable is the identity stack's output for the account the policy names", () => {
    const outputs = (result.json.identity as { output: Record<string, { value: string }> }).output;
    for (const [variable, account] of Object.entries(ACCOUNT_OF_VARIABLE))
      expect(accountOfReference(outputs[variable]!.value), variable).toBe(account);
  });

  it("the exchange grants each job on main exactly its own account and refuses every other", async () => {
    const withAccounts = jobs().filter((j) => accountOf(j));
    expect(withAccounts.length).toBe(Object.values(JOBS).filter((p) => p.account).length);
    for (const job of withAccounts) {
      const own = ACCOUNT_OF_VARIABLE[accountOf(job)!]!;
      const subject = jobSubject(job, "main");
      expect(await exchange(subject, own), `${job.key} as ${own}`).toBe("granted");
      for (const other of Object.keys(ACCOUNTS).filter((a) => a !== own))
        expect(await exchange(subject, other), `${job.key} as ${other}`).toMatch(
          /refused the token exchange/,
        );
    }
  });

  it("no job that runs pull-request code, nor any job of another branch, gets any account", async () => {
    const subjects = [
      ...jobs()
        .filter(runsPullRequestCode)
        .map((j) => jobSubject(j, "pull_request")),
      // a pull request's own copy of train.yml or verify-models.yml, dispatched on its branch
      "repo:lockstep-dev/lockstep:ref:refs/heads/evil:job_workflow_ref:lockstep-dev/lockstep/.github/workflows/train.yml@refs/heads/evil",
      "repo:lockstep-dev/lockstep:pull_request:job_workflow_ref:lockstep-dev/lockstep/.github/workflows/verify-models.yml@refs/pull/1/merge",
      // GitHub's default subjects, which the old federation trusted
      "repo:lockstep-dev/lockstep:pull_request",
      "repo:lockstep-dev/lockstep:ref:refs/heads/main",
    ];
    for (const subject of subjects)
      for (const account of Object.keys(ACCOUNTS))
        expect(await exchange(subject, account), `${subject} as ${account}`).toMatch(
          /refused the token exchange/,
        );
  });

  it("a token for another audience is refused even with a right subject; writers are never reachable from verify", async () => {
    const train = jobs().find((j) => j.key === "train.yml/train")!;
    const fake = await startFakeOidc("unused", { subject: jobSubject(train, "main"), federation });
    fakes.push(fake);
    const answer = await fetch(
      `${fake.requestUrl}&audience=${encodeURIComponent("https://github.com/someone-else")}`,
      {
        headers: { authorization: `Bearer ${fake.requestToken}` },
      },
    );
    const { value: idToken } = (await answer.json()) as { value: string };
    await expect(
      exchangeIdTokenForIamToken({
        idToken,
        serviceAccountId: idOf("lockstep-trainer"),
        tokenUrl: fake.tokenUrl,
      }),
    ).rejects.toThrow(/audience https:\/\/github.com\/someone-else is not trusted/);
    const verify = jobs().find((j) => j.key === "verify-models.yml/verify")!;
    for (const writer of WRITERS)
      expect(await exchange(jobSubject(verify, "main"), writer)).toMatch(/refused the token exchange/);
  });
});
