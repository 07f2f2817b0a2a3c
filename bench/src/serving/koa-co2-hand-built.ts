// The same-work ceiling for co2: what one would write by hand to serve the LSTM. A Koa app that
// reads the JSON body, decodes it with the model's own adapter, runs onnxruntime-node in-process
// one request at a time and answers the same JSON as the server. No batching, limits, cache,
// metrics or logs: the work every co2 request needs and nothing else, in its own process.
// With EXCHANGE_ONLY=1 the model runs once at start and every request gets that answer: the body
// is still read and parsed and the answer serialised, so what is measured is the HTTP exchange
// alone, the floor under any Koa service of this endpoint.
//   MODEL_PATH=<artifact.onnx> MODEL_VERSION=<v> MODEL_SHA256=<hex> [EXCHANGE_ONLY=1] tsx koa-co2-hand-built.ts
import { readFile } from "node:fs/promises";
import Koa from "koa";
import * as ort from "onnxruntime-node";
import { decodeRequest, encodeAnswer, getModel } from "@lockstep/models";
import { readCard } from "@lockstep/onnx";

const env = (name: string) => process.env[name] ?? (console.error(`${name} is required`), process.exit(2));
const bytes = new Uint8Array(await readFile(env("MODEL_PATH")));
const card = readCard(bytes);
const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
const { serving } = getModel("co2-forecast");
const pin = { model: "co2-forecast", version: env("MODEL_VERSION"), sha256: env("MODEL_SHA256") };

async function forecast(body: unknown) {
  const decoded = await decodeRequest(serving, body, card);
  const feeds = Object.fromEntries(
    Object.entries(decoded.feeds).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]),
  );
  const outputs = await session.run(feeds);
  return encodeAnswer(serving, outputs as never, card, decoded.context);
}
const once = process.env.EXCHANGE_ONLY === "1" ? await forecast({ horizon: 12 }) : undefined;

const app = new Koa();
app.use(async (ctx) => {
  const started = process.hrtime.bigint();
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  let answer;
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    answer = once ?? (await forecast(body));
  } catch (error) {
    ctx.status = 400;
    ctx.body = { error: (error as Error).message };
    return;
  }
  ctx.body = {
    ...pin,
    ...answer,
    processing_time_ms: Number(process.hrtime.bigint() - started) / 1e6,
  };
});
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ msg: "listening", port: (server.address() as { port: number }).port }));
});
