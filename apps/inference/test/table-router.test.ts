import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tableRouter } from "../src/route-table/table-router.js";
import type { Route } from "../src/route-table/route.js";

const doc = { summary: "test", responses: {} };
const routes: Route[] = [
  { method: "GET", path: "/things", doc, handle: (ctx) => void (ctx.body = { list: true }) },
  { method: "GET", path: "/things/:id", doc, handle: (ctx) => void (ctx.body = { id: ctx.params.id }) },
  { method: "POST", path: "/things/:id/run", doc, handle: async () => ({}) },
];

describe("the table router", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = new Koa();
    // an inference route's steps, here: say which entry ran with which parameters
    app.use(
      tableRouter(routes, (route) => (ctx) => {
        ctx.body = {
          ran: route.path,
          params: ctx.params,
          matched: (ctx as { _matchedRoute?: string })._matchedRoute,
        };
      }),
    );
    server = createServer(app.callback()).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("runs the entry whose path and method match, with decoded parameters and its pattern", async () => {
    expect(await (await fetch(`${url}/things/a%20b`)).json()).toEqual({ id: "a b" });
    expect(await (await fetch(`${url}/THINGS/x/`)).json()).toEqual({ id: "x" }); // case, trailing slash
    expect(await (await fetch(`${url}/things/%E0%A4%A`)).json()).toEqual({ id: "%E0%A4%A" }); // bad escape kept
    const ran = await fetch(`${url}/things/7/run`, { method: "POST" });
    expect(await ran.json()).toEqual({
      ran: "/things/:id/run",
      params: { id: "7" },
      matched: "/things/:id/run",
    });
    const head = await fetch(`${url}/things`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("answers OPTIONS with Allow, another method 405 with Allow, and leaves unknown paths to what follows", async () => {
    const options = await fetch(`${url}/things/7/run`, { method: "OPTIONS" });
    expect([options.status, options.headers.get("allow")]).toEqual([200, "POST"]);
    const get = await fetch(`${url}/things/7/run`);
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
    const post = await fetch(`${url}/things`, { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    const trace = await fetch(`${url}/things/1`, { method: "DELETE" });
    expect(trace.status).toBe(405);
    expect((await fetch(`${url}/things/1/2/3`)).status).toBe(404);
    expect((await fetch(`${url}/things/7/run/more`, { method: "POST" })).status).toBe(404);
  });
});
