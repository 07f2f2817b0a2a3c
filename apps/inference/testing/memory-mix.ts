// The hostile mix for memory (issue 37): large refused bodies, large valid answers, slow bodies
// and many connections, sent to a co2-forecast server. Shared by the memory-limit test and
// `npm run bench:memory`; it counts what each kind was answered and never asserts.
import { connect, type Socket } from "node:net";

/** One answer's status line and error code; 0 = no HTTP answer (reset or closed first). */
export interface RawOutcome {
  status: number;
  code?: string;
}

export interface MixTally {
  /** "kind status[:code]" → count, e.g. "binary-16MB 413:ANSWER_TOO_LARGE". */
  outcomes: Record<string, number>;
  /** Valid small requests answered 200 between the phases, and those that were not. */
  validOk: number;
  validFailed: number;
}

export interface MixOptions {
  /** The co2 model's window (its input's second dimension). */
  window: number;
  /** How many 16 MB binary infers (default 60: two waves of thirty, past the issue's twenty). */
  binaryRequests?: number;
  /** At once (default 30). */
  binaryConcurrency?: number;
  /** Valid infers whose answers are a few MB of JSON (default 12, 4 at once). */
  largeAnswers?: number;
  /** Rows per large valid answer (default 1000: ~3 MB of JSON for co2's 3 outputs × 60 months). */
  largeAnswerRows?: number;
  /** Bodies trickled a few bytes at a time for the whole mix (default 40). */
  slowBodies?: number;
  /** Idle connections held open for the whole mix (default 1000). */
  idleConnections?: number;
}

const HOST = "Host: mix\r\n";

/** Parses the status and `code` of whatever the server sent before it closed. */
function outcomeOf(text: string): RawOutcome {
  const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
  if (!status) return { status: 0 };
  const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
  return { status: Number(status), code };
}

/**
 * Sends a request's head and body as they are and reads the answer until the server closes (the
 * request says Connection: close). A server that answers early and closes is fine: what it sent is
 * the outcome.
 */
export function sendRaw(url: string, head: string, body: Buffer): Promise<RawOutcome> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      if (text.length < 4096) text += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve(outcomeOf(text)));
    socket.write(head);
    // never half-closed: node's server drops a request whose client ends its side before the answer
    socket.write(body);
  });
}

const postHead = (path: string, type: string, length: number, extra = "") =>
  `POST ${path} HTTP/1.1\r\n${HOST}Connection: close\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n${extra}\r\n`;

/** A binary OIP infer of about `bytes` bytes of FP32 rows for co2-forecast. */
export function binaryInfer(window: number, bytes: number): { head: string; body: Buffer } {
  const rows = Math.floor(bytes / (4 * window));
  const tensor = Buffer.alloc(rows * window * 4);
  for (let i = 0; i < rows * window; i++) tensor.writeFloatLE(400 + (i % window) / 10, i * 4);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: "history",
          datatype: "FP32",
          shape: [rows, window],
          parameters: { binary_data_size: tensor.length },
        },
      ],
    }),
  );
  const body = Buffer.concat([header, tensor]);
  const head = postHead(
    "/v2/models/co2-forecast/infer",
    "application/octet-stream",
    body.length,
    `Inference-Header-Content-Length: ${header.length}\r\n`,
  );
  return { head, body };
}

/** A valid JSON OIP infer of `rows` rows: its answer is ~3 KB of JSON a row. */
export function jsonInfer(window: number, rows: number): { head: string; body: Buffer } {
  const data = Array.from({ length: rows * window }, (_, i) => 400 + (i % window) / 10 + (i % 7) / 100);
  const body = Buffer.from(
    JSON.stringify({ inputs: [{ name: "history", datatype: "FP32", shape: [rows, window], data }] }),
  );
  return { head: postHead("/v2/models/co2-forecast/infer", "application/json", body.length), body };
}

/** Runs `count` tasks, `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Opens sockets that send a head declaring a large body, then a few bytes now and then. */
function slowBodies(url: string, count: number): { sockets: Socket[]; stop: () => void } {
  const { hostname, port } = new URL(url);
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), hostname);
    socket.on("error", () => {});
    socket.write(postHead("/v1/models/co2-forecast/predict", "application/json", 1_000_000));
    socket.write('{"horizon": 1, "pad": "');
    sockets.push(socket);
  }
  const timer = setInterval(() => {
    for (const socket of sockets) if (!socket.destroyed) socket.write("x");
  }, 200);
  return { sockets, stop: () => (clearInterval(timer), sockets.forEach((s) => s.destroy())) };
}

/** Opens idle keep-alive connections that send nothing. */
async function idleConnections(url: string, count: number): Promise<Socket[]> {
  const { hostname, port } = new URL(url);
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), hostname);
    socket.on("error", () => {});
    sockets.push(socket);
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return sockets;
}

/** A small valid request: does the server still answer? */
export async function validRequest(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/models/co2-forecast/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"horizon": 3}',
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Sends the whole mix; `between` runs after each phase (a sampler, say). */
export async function hostileMemoryMix(
  url: string,
  options: MixOptions,
  between: (phase: string) => void = () => {},
): Promise<MixTally> {
  const tally: MixTally = { outcomes: {}, validOk: 0, validFailed: 0 };
  const count = (kind: string, outcome: RawOutcome) => {
    const key = `${kind} ${outcome.status}${outcome.code ? `:${outcome.code}` : ""}`;
    tally.outcomes[key] = (tally.outcomes[key] ?? 0) + 1;
  };
  const valid = async (phase: string) => {
    if (await validRequest(url)) tally.validOk++;
    else tally.validFailed++;
    between(phase);
  };
  const idle = await idleConnections(url, options.idleConnections ?? 1000);
  const slow = slowBodies(url, options.slowBodies ?? 40);
  await valid("connections open");
  try {
    const binary = binaryInfer(options.window, 16_000_000);
    const large = jsonInfer(options.window, options.largeAnswerRows ?? 1000);
    const oversized = postHead(
      "/v2/models/co2-forecast/infer",
      "application/octet-stream",
      512 * 1024 * 1024,
      "Inference-Header-Content-Length: 100\r\n",
    );
    await Promise.all([
      pool(options.binaryRequests ?? 60, options.binaryConcurrency ?? 30, async () =>
        count("binary-16MB", await sendRaw(url, binary.head, binary.body)),
      ),
      pool(options.largeAnswers ?? 12, 4, async () =>
        count("large-answer", await sendRaw(url, large.head, large.body)),
      ),
      // declares 512 MB, sends 1 MB: refused on its declared length
      pool(5, 5, async () => count("declared-512MB", await sendRaw(url, oversized, Buffer.alloc(1 << 20)))),
    ]);
    await valid("large bodies and answers");
  } finally {
    slow.stop();
    for (const socket of idle) socket.destroy();
  }
  await valid("connections closed");
  return tally;
}
