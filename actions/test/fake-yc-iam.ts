import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

const body = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

export interface FakeIam {
  url: string;
  /** Access keys that exist now, by id. */
  keys: Map<string, { keyId: string; serviceAccountId: string; description: string }>;
  deleted: string[];
  close: () => Promise<void>;
}

/**
 * Yandex IAM's AWS-compatible access key API, shaped like the real one: POST
 * /iam/aws-compatibility/v1/accessKeys {serviceAccountId, description} → {accessKey: {id, keyId,
 * serviceAccountId, createdAt, description}, secret}; DELETE …/accessKeys/{id} → an Operation;
 * errors are {code, message} with gRPC-style codes. Only `token` is accepted.
 */
export async function startFakeIam(token: string): Promise<FakeIam> {
  const keys: FakeIam["keys"] = new Map();
  const deleted: string[] = [];
  let next = 1;
  const server = createServer(async (req, res) => {
    const json = (status: number, value: object) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${token}`)
      return json(401, { code: 16, message: "The token is invalid" });
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "POST" && path === "/iam/aws-compatibility/v1/accessKeys") {
      const request = JSON.parse(await body(req)) as { serviceAccountId?: string; description?: string };
      if (!request.serviceAccountId) return json(400, { code: 3, message: "serviceAccountId is required" });
      const id = `aje${String(next++).padStart(17, "0")}`;
      const key = {
        keyId: `YCAJE${id}`,
        serviceAccountId: request.serviceAccountId,
        description: request.description ?? "",
      };
      keys.set(id, key);
      return json(200, {
        accessKey: { id, ...key, createdAt: "2026-12-04T00:00:00Z" },
        secret: `YCsecret-${id}`,
      });
    }
    const match = /^\/iam\/aws-compatibility\/v1\/accessKeys\/([a-z0-9]+)$/.exec(path);
    if (req.method === "DELETE" && match) {
      if (!keys.delete(match[1]!)) return json(404, { code: 5, message: `Access key ${match[1]} not found` });
      deleted.push(match[1]!);
      return json(200, {
        id: "op1",
        description: "Delete access key",
        done: true,
        metadata: { accessKeyId: match[1] },
      });
    }
    json(404, { code: 5, message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys,
    deleted,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
