import { readFileSync } from "node:fs";
import type { ControlRoute } from "./route-table/route.js";

const WEB = new URL("../web/", import.meta.url);
const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

/** The web page at `/` and its scripts: pick a model, send it a photo or JSON, see the answer drawn. */
export function webPageRoutes(): ControlRoute[] {
  const page = readFileSync(new URL("index.html", WEB), "utf8");
  const file = (path: string, type: string, text: string, summary: string): ControlRoute => ({
    method: "GET",
    path,
    doc: { summary, responses: { "200": { description: "ok", content: { [type]: {} } } } },
    handle: (ctx) => {
      ctx.set(SECURITY_HEADERS);
      ctx.type = type;
      ctx.body = text;
    },
  });
  return [
    file("/", "text/html; charset=utf-8", page, "The web page"),
    ...["app.js", "chart.js", "runs.js"].map((name) =>
      file(
        `/${name}`,
        "text/javascript; charset=utf-8",
        readFileSync(new URL(name, WEB), "utf8"),
        `The page's ${name}`,
      ),
    ),
  ];
}
