import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const body = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

export interface FakeOidc {
  /** ACTIONS_ID_TOKEN_REQUEST_URL: GitHub's ID token endpoint for the job. */
  requestUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string;
  /** Yandex Cloud's token exchange endpoint (LOCKSTEP_YC_TOKEN_URL). */
  tokenUrl: string;
  /** The IAM token the exchange issues. */
  iamToken: string;
  exchanges: URLSearchParams[];
  close: () => Promise<void>;
}

/** A workload identity federation as infra/ declares it: trusted audiences, and a subject per account. */
export interface FakeFederation {
  audiences: string[];
  credentials: { subject: string; serviceAccountId: string }[];
}

export interface FakeOidcOptions {
  /** The `sub` claim of the job's ID token (default: a push to main under GitHub's default template). */
  subject?: string;
  /**
   * Check exchanges as Yandex Cloud does against this federation: the token's `aud` must be one of
   * its audiences and a credential must link exactly the token's `sub` to the service account asked
   * for. Absent: any token this fake issued may act as `serviceAccountId`.
   */
  federation?: FakeFederation;
}

/**
 * GitHub's job ID token endpoint and Yandex Cloud's token exchange, shaped like the real ones:
 * GET ?api-version=2.0&audience=… with the runner's bearer token → {"value": jwt}; POST
 * x-www-form-urlencoded RFC 8693 → {"access_token", "token_type", "expires_in"} or 400
 * {"error", "error_description"}. The exchange trusts only ID tokens this fake issued.
 */
export async function startFakeOidc(
  serviceAccountId: string,
  options: FakeOidcOptions = {},
): Promise<FakeOidc> {
  const requestToken = "runner-request-token";
  const iamToken = "t1.fake-iam-token-for-tests";
  const issued = new Map<string, { sub: string; aud: string }>();
  const exchanges: URLSearchParams[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const json = (status: number, value: object) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "GET" && url.pathname === "/github/idtoken") {
      if (req.headers.authorization !== `Bearer ${requestToken}`)
        return json(401, { message: "Unauthorized" });
      const claims = {
        sub: options.subject ?? "repo:acme/models:ref:refs/heads/main",
        aud: url.searchParams.get("audience") ?? "https://github.com/acme",
      };
      const jwt = [
        base64url({ alg: "RS256", typ: "JWT" }),
        base64url({ iss: "https://token.actions.githubusercontent.com", ...claims }),
        "signature",
      ].join(".");
      issued.set(jwt, claims);
      return json(200, { value: jwt });
    }
    if (req.method === "POST" && url.pathname === "/yandex/oauth/token") {
      const form = new URLSearchParams(await body(req));
      exchanges.push(form);
      const invalid = (description: string) =>
        json(400, { error: "invalid_request", error_description: description });
      if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:token-exchange")
        return invalid("unsupported grant_type");
      if (form.get("subject_token_type") !== "urn:ietf:params:oauth:token-type:id_token")
        return invalid("unsupported subject_token_type");
      const claims = issued.get(form.get("subject_token") ?? "");
      if (!claims) return invalid("subject token is not trusted");
      const federation = options.federation;
      if (federation) {
        if (!federation.audiences.includes(claims.aud))
          return invalid(`audience ${claims.aud} is not trusted`);
        const linked = federation.credentials.some(
          (c) => c.subject === claims.sub && c.serviceAccountId === form.get("audience"),
        );
        if (!linked) return invalid("no federated credential links this subject to the service account");
      } else if (form.get("audience") !== serviceAccountId)
        return invalid("no federated credential links this subject to the service account");
      return json(200, { access_token: iamToken, token_type: "Bearer", expires_in: 43200 });
    }
    json(404, { message: "Not Found" });
  });
  const url = await listen(server);
  return {
    requestUrl: `${url}/github/idtoken?api-version=2.0`,
    requestToken,
    tokenUrl: `${url}/yandex/oauth/token`,
    iamToken,
    exchanges,
    close: () => close(server),
  };
}

/**
 * Object Storage's IAM token check in front of an S3 server: a request must carry
 * `X-YaCloud-SubjectToken: <token>` and no SigV4 signature, or it gets 403 AccessDenied.
 */
export async function startIamTokenGate(
  target: string,
  token: string,
): Promise<{ endpoint: string; requests: () => number; close: () => Promise<void> }> {
  const upstream = new URL(target);
  let count = 0;
  const server = createServer((req, res) => {
    count += 1;
    if (req.headers["x-yacloud-subjecttoken"] !== token || req.headers.authorization) {
      req.resume();
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
      return;
    }
    const headers = { ...req.headers };
    delete headers["x-yacloud-subjecttoken"];
    const forward = request(
      { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    req.pipe(forward);
  });
  const endpoint = await listen(server);
  return { endpoint, requests: () => count, close: () => close(server) };
}
