// One inference server process for bench:planes: the server as it is (PLANE=today), or the same
// server behind a Koa app (PLANE=koa-context: Koa's context and middleware promise per request;
// PLANE=koa-chain: plus the control plane's observe and errorHandler middleware in front).
import { createServer, type RequestListener } from "node:http";
import Koa from "koa";
import { pino } from "pino";
import { errorHandler } from "../../../apps/inference/src/middleware/errors.js";
import { observe } from "../../../apps/inference/src/middleware/observe.js";
import { serveLock } from "../../../apps/inference/src/serve-lock.js";
import { DEFAULT_SERVER_LIMITS } from "../../../apps/inference/src/server.js";

const plane = process.env.PLANE ?? "today";
const logger = pino({ name: "lockstep-inference", level: process.env.LOG_LEVEL ?? "info" });
const { server } = await serveLock({
  lockPath: process.env.LOCKSTEP_LOCK!,
  environment: "staging",
  port: 0,
  host: "127.0.0.1",
  logger: logger.child({ plane }),
  signals: false,
});

let handler: RequestListener = server.handler;
if (plane !== "today") {
  const app = new Koa();
  app.silent = true;
  if (plane === "koa-chain") {
    app.use(observe(logger, server.metrics));
    app.use(errorHandler());
  }
  // the request's promise lives until its answer is out, as a route's would
  app.use(async (ctx) => {
    ctx.respond = false;
    const done = new Promise((resolve) => ctx.res.once("close", resolve));
    server.handler(ctx.req, ctx.res);
    await done;
  });
  handler = app.callback();
}
const http = createServer(
  {
    headersTimeout: DEFAULT_SERVER_LIMITS.headersTimeoutMs,
    requestTimeout: DEFAULT_SERVER_LIMITS.requestTimeoutMs,
    keepAliveTimeout: DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs,
    requireHostHeader: false,
  },
  handler,
);
http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = http.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ msg: "listening", port, plane })}\n`);
});
