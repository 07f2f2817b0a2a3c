/** Yandex IAM's AWS-compatible access keys, as the REST API has them (iam/aws-compatibility/v1). */
export const YANDEX_IAM_URL = "https://iam.api.cloud.yandex.net";
const MAX_RESPONSE = 64 * 1024;

export interface AccessKey {
  /** The key's resource id (what DELETE takes). */
  id: string;
  /** AWS_ACCESS_KEY_ID. */
  keyId: string;
  /** AWS_SECRET_ACCESS_KEY: returned once, at creation. */
  secret: string;
}

async function call(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new Error(`cannot reach ${url} to ${what}: ${(error as Error).message}`);
  }
  const text = (await response.text()).slice(0, MAX_RESPONSE);
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      json = parsed as Record<string, unknown>;
  } catch {
    // an HTML error page or nothing: the status says enough
  }
  if (!response.ok) {
    const message =
      typeof json.message === "string" ? json.message : text.slice(0, 200) || response.statusText;
    throw new Error(`cannot ${what}: ${response.status} ${message}`);
  }
  return json;
}

/** Creates a static access key for the service account whose IAM token this is. */
export async function createAccessKey(
  token: string,
  serviceAccountId: string,
  description: string,
  base = YANDEX_IAM_URL,
): Promise<AccessKey> {
  const json = await call(
    `${base}/iam/aws-compatibility/v1/accessKeys`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ serviceAccountId, description }),
    },
    `create an access key for ${serviceAccountId}`,
  );
  const key = json.accessKey as { id?: unknown; keyId?: unknown } | undefined;
  if (typeof key?.id !== "string" || typeof key.keyId !== "string" || typeof json.secret !== "string")
    throw new Error("the access key answer has no accessKey.id, accessKey.keyId and secret");
  return { id: key.id, keyId: key.keyId, secret: json.secret };
}

export async function deleteAccessKey(token: string, id: string, base = YANDEX_IAM_URL): Promise<void> {
  if (!/^[a-z0-9]{1,50}$/.test(id)) throw new Error(`"${id.slice(0, 50)}" is not an access key id`);
  await call(
    `${base}/iam/aws-compatibility/v1/accessKeys/${id}`,
    { method: "DELETE", headers: { authorization: `Bearer ${token}` } },
    `delete access key ${id}`,
  );
}
