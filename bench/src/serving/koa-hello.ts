// The ceiling: a bare Koa app answering a small JSON body, in its own process like the server.
import Koa from "koa";

const app = new Koa();
app.use((ctx) => {
  ctx.body = { hello: "world" };
});
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ msg: "listening", port: (server.address() as { port: number }).port }));
});
