import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { writeJson } from "./inference-steps/write-json.js";

/** What node's HTTP parser refused, as the status and code the client is told. */
function statusOf(error: NodeJS.ErrnoException): [number, string, string] {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return [431, "HEADERS_TOO_LARGE", "the request headers are too large"];
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return [408, "REQUEST_TIMEOUT", "the request was not received in time"];
    default:
      return [400, "BAD_REQUEST", "the request is not valid HTTP/1.1"];
  }
}

/**
 * Answers a request node's parser refused (bad framing, no Host, headers too large or too slow)
 * with the same `{"error", "code"}` JSON as every other refusal, then closes the connection. The
 * parser's own reason is not echoed: it can quote the client's bytes.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // as node's own handler: no answer where the socket is gone or an answer has already begun
  // (leftover bytes after a request pipelined on the same connection)
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] = statusOf(error);
  const body = JSON.stringify({ error: message, code });
  const reason = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" }[
    status
  ];
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** HTTP/1.1 requires a Host header (RFC 9112 3.2): 400, in JSON, and the connection closed. */
export function refuseNoHost(res: ServerResponse): void {
  const body = { error: "an HTTP/1.1 request needs a Host header", code: "BAD_REQUEST" };
  writeJson(res, 400, body, { Connection: "close" });
}
