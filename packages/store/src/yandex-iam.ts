import { StoreError } from "./errors.js";

/** Yandex Cloud's token exchange endpoint (RFC 8693) for workload identity federation. */
export const YANDEX_TOKEN_URL = "https://auth.yandex.cloud/oauth/token";
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface IamToken {
  token: string;
  /** Seconds until the token expires. */
  expiresIn: number;
}

export interface ExchangeOptions {
  /** The OIDC ID token of the workload (e.g. GitHub Actions' token for this job). */
  idToken: string;
  /** The service account a federated credential links to the workload's subject. */
  serviceAccountId: string;
  tokenUrl?: string;
  timeoutMs?: number;
}

const SERVICE_ACCOUNT_ID = /^[a-z0-9]{20}$/;

/**
 * Exchanges a workload's OIDC ID token for a Yandex Cloud IAM token of a service account (workload
 * identity federation): no long-lived key is stored anywhere. Object Storage's S3 API accepts the
 * IAM token in place of static keys (see s3ClientFromEnv).
 */
export async function exchangeIdTokenForIamToken(options: ExchangeOptions): Promise<IamToken> {
  if (!SERVICE_ACCOUNT_ID.test(options.serviceAccountId))
    throw new StoreError(
      "STORE_AUTH",
      `"${options.serviceAccountId.slice(0, 40)}" is not a Yandex Cloud service account ID (20 lowercase letters and digits)`,
    );
  const url = options.tokenUrl ?? YANDEX_TOKEN_URL;
  const body = new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
    audience: options.serviceAccountId,
    subject_token: options.idToken,
    subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
  });
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new StoreError(
      "STORE_AUTH",
      `cannot reach ${url} to exchange the OIDC token: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const text = await readLimited(response, url);
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      json = parsed as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const reason =
      typeof json?.error_description === "string"
        ? `${String(json.error)}: ${json.error_description}`
        : `HTTP ${response.status}`;
    throw new StoreError(
      "STORE_AUTH",
      `Yandex Cloud refused the token exchange for service account ${options.serviceAccountId} (${reason.slice(0, 300)}); check the workload identity federation's issuer and audience and the federated credential's subject`,
    );
  }
  const token = json?.access_token;
  const expiresIn = json?.expires_in;
  if (typeof token !== "string" || token.length === 0 || token.length > 8192 || typeof expiresIn !== "number")
    throw new StoreError(
      "STORE_AUTH",
      `${url} answered the token exchange without an access_token and expires_in`,
    );
  return { token, expiresIn };
}

async function readLimited(response: Response, url: string): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new StoreError(
        "STORE_AUTH",
        `${url} answered the token exchange with more than ${MAX_RESPONSE_BYTES} bytes`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
