// A weighted split in front of a stable and a canary server (what ingress-nginx's canary weight
// does), and a steady client sending model requests through it.
import { createServer, request, type Server } from "node:http";

export interface Split {
  url: string;
  sent: { stable: number; canary: number };
  close(): Promise<void>;
}

/** Every request goes to the canary with probability `weight`/100, deterministically spread. */
export async function weightedSplit(stable: string, canary: string, weight: number): Promise<Split> {
  const sent = { stable: 0, canary: 0 };
  let n = 0;
  const server: Server = createServer((req, res) => {
    const toCanary = (n++ * weight) % 100 < weight;
    const target = new URL(req.url ?? "/", toCanary ? canary : stable);
    sent[toCanary ? "canary" : "stable"]++;
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Sends `perSecond` requests a second until stopped; counts answers by status class. */
export function steadyTraffic(url: string, path: string, bodies: unknown[], perSecond: number) {
  const statuses: Record<string, number> = {};
  let i = 0;
  const timer = setInterval(() => {
    const body = JSON.stringify(bodies[i++ % bodies.length]);
    fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body })
      .then(async (r) => {
        await r.arrayBuffer();
        const key = `${Math.floor(r.status / 100)}xx`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      })
      .catch(() => (statuses.error = (statuses.error ?? 0) + 1));
  }, 1000 / perSecond);
  return { statuses, stop: () => clearInterval(timer) };
}
