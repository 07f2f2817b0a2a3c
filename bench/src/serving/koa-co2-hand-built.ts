// The same-work ceiling for co2: what one would write by hand to serve the LSTM. A Koa app that
// reads the JSON body, decodes it with the model's own adapter, runs onnxruntime-node in-process
// one request at a time and answers the same JSON as the server. No batching, limits, cache,
// metrics or logs: the work every co2 request needs and nothing else, in its own process.
//   MODEL_PATH=<artifact.onnx> MODEL_VERSION=<v> MODEL_SHA256=<hex> tsx koa-co2-hand-built.ts
import { readFile } from "node:fs/promises";
import Koa from "koa";
import * as ort from "onnxruntime-node";
import { getModel } from "@lockstep/models";
import { readCard } from "@lockstep/onnx";

const env = (name: string) => process.env[name] ?? (console.error(`${name} is required`), process.exit(2));
const bytes = new Uint8Array(await readFile(env("MODEL_PATH")));
const card = readCard(bytes);
const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
const { serving } = getModel("co2-forecast");
const pin = { model: "co2-forecast", version: env("MODEL_VERSION"), sha256: env("MODEL_SHA256") };

const app = new Koa();
app.use(async (ctx) => {
  const started = process.hrtime.bigint();
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  let decoded;
  try {
    decoded = await serving.decode(JSON.parse(Buffer.concat(chunks).toString("utf8")), card);
  } catch (error) {
    ctx.status = 400;
    ctx.body = { error: (error as Error).message };
    return;
  }
  const feeds = Object.fromEntries(
    Object.entries(decoded.feeds).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]),
  );
  const outputs = await session.run(feeds);
  ctx.body = {
    ...pin,
    ...serving.encode(outputs as never, card, decoded.context),
    processing_time_ms: Number(process.hrtime.bigint() - started) / 1e6,
  };
});
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ msg: "listening", port: (server.address() as { port: number }).port }));
});
