import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchangeIdTokenForIamToken, openStore, sha256Hex } from "../src/index.js";
import { startFakeOidc, startIamTokenGate, startS3, type FakeOidc } from "../testing/index.js";

const ACCOUNT = "ajeg2b2et02fabcdefgh";
let s3: Awaited<ReturnType<typeof startS3>>;
let gate: Awaited<ReturnType<typeof startIamTokenGate>>;
let oidc: FakeOidc;

beforeAll(async () => {
  s3 = await startS3("artifacts");
  oidc = await startFakeOidc(ACCOUNT);
  gate = await startIamTokenGate(s3.endpoint, oidc.iamToken);
});
const dirs: string[] = [];
const tempDir = async (prefix: string) => {
  dirs.push(await mkdtemp(join(tmpdir(), prefix)));
  return dirs.at(-1)!;
};
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  await gate.close();
  await oidc.close();
  await s3.close();
});

async function githubIdToken(): Promise<string> {
  const response = await fetch(`${oidc.requestUrl}&audience=https://github.com/acme`, {
    headers: { authorization: `Bearer ${oidc.requestToken}` },
  });
  return ((await response.json()) as { value: string }).value;
}

describe("Object Storage with an IAM token instead of static keys", () => {
  it("stores and reads artifacts with LOCKSTEP_S3_IAM_TOKEN: the token is sent, no signature", async () => {
    const cacheDir = await tempDir("s3cache-iam-");
    const env = { AWS_ENDPOINT_URL_S3: gate.endpoint, LOCKSTEP_S3_IAM_TOKEN: oidc.iamToken };
    const store = openStore("s3://artifacts/models", { env, cacheDir });
    const bytes = Buffer.from("an onnx model, say");
    const info = await store.put(bytes);
    expect(info.sha256).toBe(sha256Hex(bytes));
    const fresh = openStore("s3://artifacts/models", { env, cacheDir: await tempDir("s3cache-iam-") });
    expect(await fresh.get(info.uri, info.sha256)).toEqual(bytes);
    expect(gate.requests()).toBeGreaterThanOrEqual(2);
  });

  it("is refused with a clear access-denied error when the token is wrong", async () => {
    const env = {
      AWS_ENDPOINT_URL_S3: gate.endpoint,
      LOCKSTEP_S3_IAM_TOKEN: "t1.expired",
      AWS_MAX_ATTEMPTS: "1",
    };
    const store = openStore("s3://artifacts/models", { env, cacheDir: await tempDir("s3cache-iam-") });
    await expect(store.put(Buffer.from("x"))).rejects.toMatchObject({ code: "STORE_ACCESS_DENIED" });
  });
});

describe("exchangeIdTokenForIamToken (workload identity federation)", () => {
  it("exchanges a GitHub ID token for a service account's IAM token (RFC 8693 form)", async () => {
    const idToken = await githubIdToken();
    const result = await exchangeIdTokenForIamToken({
      idToken,
      serviceAccountId: ACCOUNT,
      tokenUrl: oidc.tokenUrl,
    });
    expect(result).toEqual({ token: oidc.iamToken, expiresIn: 43200 });
    const form = oidc.exchanges.at(-1)!;
    expect(form.get("requested_token_type")).toBe("urn:ietf:params:oauth:token-type:access_token");
    expect(form.get("audience")).toBe(ACCOUNT);
  });

  it("says why Yandex Cloud refused, without echoing the ID token", async () => {
    const untrusted = exchangeIdTokenForIamToken({
      idToken: "not.a.token",
      serviceAccountId: ACCOUNT,
      tokenUrl: oidc.tokenUrl,
    });
    await expect(untrusted).rejects.toThrow(
      /refused the token exchange for service account ajeg2b2et02fabcdefgh \(invalid_request: subject token is not trusted\); check the workload identity federation/,
    );
    await expect(untrusted).rejects.not.toThrow(/not\.a\.token/);
    const otherAccount = exchangeIdTokenForIamToken({
      idToken: await githubIdToken(),
      serviceAccountId: "aje00000000000000000",
      tokenUrl: oidc.tokenUrl,
    });
    await expect(otherAccount).rejects.toThrow(/no federated credential links this subject/);
  });

  it("rejects a malformed service account ID before any request", async () => {
    for (const bad of ["", "ABC", "a".repeat(21), "ajeg2b2et02fabcdefg/", "../../etc/passwd"])
      await expect(
        exchangeIdTokenForIamToken({ idToken: "x", serviceAccountId: bad, tokenUrl: oidc.tokenUrl }),
      ).rejects.toMatchObject({ code: "STORE_AUTH", message: /is not a Yandex Cloud service account ID/ });
  });

  it("fails clearly on an unreachable, oversized, malformed or incomplete answer", async () => {
    const answers: Record<string, [number, string]> = {
      "/huge": [200, `{"access_token": "${"x".repeat(100_000)}"}`],
      "/html": [502, "<html>bad gateway</html>"],
      "/empty": [200, "{}"],
      "/array": [200, "[1,2]"],
    };
    const server = createServer((req, res) => {
      const [status, text] = answers[req.url ?? ""] ?? [404, ""];
      res.writeHead(status, { "content-type": "application/json" });
      res.end(text);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const exchange = (path: string) =>
      exchangeIdTokenForIamToken({ idToken: "x", serviceAccountId: ACCOUNT, tokenUrl: `${url}${path}` });
    try {
      await expect(exchange("/huge")).rejects.toThrow(/more than 65536 bytes/);
      await expect(exchange("/html")).rejects.toThrow(/refused the token exchange .*\(HTTP 502\)/);
      await expect(exchange("/empty")).rejects.toThrow(/without an access_token and expires_in/);
      await expect(exchange("/array")).rejects.toThrow(/without an access_token/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await expect(
      exchangeIdTokenForIamToken({
        idToken: "x",
        serviceAccountId: ACCOUNT,
        tokenUrl: "http://127.0.0.1:9/t",
      }),
    ).rejects.toThrow(/cannot reach http:\/\/127.0.0.1:9\/t to exchange the OIDC token/);
  });
});
