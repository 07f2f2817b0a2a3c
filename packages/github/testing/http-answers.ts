// How the fake answers over HTTP: GitHub's error body ({"message", "documentation_url", "status"}),
// JSON bodies with their content type, and 204s without one.
import type { IncomingMessage, ServerResponse } from "node:http";

export const DOCS = "https://docs.github.com/rest";

/** A request as the route handlers see it: its path under /repos/{o}/{r}, its parsed JSON body. */
export interface FakeRequest {
  method: string;
  path: string;
  url: URL;
  body: unknown;
  /** The request's arrival time, as created_at/updated_at record it. */
  now: string;
}

/** A route handler's answer; undefined from a handler: not its route. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const invalid = (message: string) => ({
  status: 422,
  body: { message, documentation_url: DOCS, status: "422" },
});

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204) {
    res.writeHead(204, headers).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}
