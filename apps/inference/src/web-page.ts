import { readFileSync } from "node:fs";
import Router from "@koa/router";

const WEB = new URL("../web/", import.meta.url);
const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

/** The web page at `/`: pick a model, send it a photo or JSON, see the answer drawn. */
export function webPageRoutes(): Router {
  const page = readFileSync(new URL("index.html", WEB), "utf8");
  const scripts = Object.fromEntries(
    ["app.js", "chart.js"].map((name) => [name, readFileSync(new URL(name, WEB), "utf8")]),
  );
  const router = new Router();
  router.get("/", (ctx) => {
    ctx.set(SECURITY_HEADERS);
    ctx.type = "text/html; charset=utf-8";
    ctx.body = page;
  });
  for (const [name, script] of Object.entries(scripts)) {
    router.get(`/${name}`, (ctx) => {
      ctx.set(SECURITY_HEADERS);
      ctx.type = "text/javascript; charset=utf-8";
      ctx.body = script;
    });
  }
  return router;
}
