import fc from "fast-check";

/** What the fuzzer knows of one served model: enough to come close to a valid request. */
export interface ModelShape {
  name: string;
  version: string;
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string }[];
  /** The spec's golden /v1 requests (JSON ones). */
  golden: unknown[];
}

const DATATYPES = [
  "BOOL",
  "UINT8",
  "INT8",
  "INT32",
  "INT64",
  "FP32",
  "FP64",
  "BYTES",
  "FP16",
  "BF16",
  "fp32",
  "",
];

/** Numbers a JSON body can spell that a JS number cannot hold faithfully, and other edges. */
const HOSTILE_NUMBERS = [
  "1e309",
  "-1e309",
  "1e-400",
  "-0",
  "3.5e38",
  "-3.5e38",
  "1e39",
  "9007199254740993",
  "123456789012345678901234567890",
  "0.000000000000000000000000000001",
  `1${"0".repeat(400)}`,
  "2147483648",
  "-129",
  "256",
];

const HOSTILE_STRINGS = [
  "",
  "\u0000",
  "\ud800",
  "\u202e",
  "__proto__",
  "constructor",
  "../../etc/passwd",
  "%00",
  "<script>alert(1)</script>",
  "x".repeat(5000),
  "🐟".repeat(100),
];

/** A JSON value, leaning on the shapes and values that break servers. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.constantFrom(0, -1, 1, 1.5, -0, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e38, 3.4e38, -1e300),
    fc.array(tie("value"), { maxLength: 6 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...HOSTILE_STRINGS)), tie("value"), {
      maxKeys: 5,
    }),
  ),
})).value;

/** JSON text whose numbers may be replaced by HOSTILE_NUMBERS spellings (JSON.stringify cannot write them). */
export function withHostileNumbers(value: unknown, pick: number): string {
  const text = JSON.stringify(value) ?? "null";
  let n = 0;
  return text.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g, (number) =>
    n++ % 3 === pick % 3 ? HOSTILE_NUMBERS[(pick + n) % HOSTILE_NUMBERS.length]! : number,
  );
}

/** Body texts: valid JSON, JSON with hostile numbers, truncated or mutated JSON, deep nesting, junk. */
export const bodyText: fc.Arbitrary<string> = fc.oneof(
  hostileValue.map((v) => JSON.stringify(v) ?? "null"),
  fc.tuple(hostileValue, fc.nat()).map(([v, pick]) => withHostileNumbers(v, pick)),
  fc.tuple(hostileValue, fc.nat()).map(([v, cut]) => {
    const text = JSON.stringify(v) ?? "null";
    return text.slice(0, cut % (text.length + 1));
  }),
  fc.integer({ min: 1, max: 200 }).map((depth) => `${"[".repeat(depth)}1${"]".repeat(depth)}`),
  fc.integer({ min: 1, max: 200 }).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  fc.string({ maxLength: 64 }),
  fc.constantFrom("", " ", "null", "[]", "{}", '{"__proto__": {"x": 1}}', '"\\ud800"', "\ufeff{}"),
);

/** A dimension list: the model's own, or zero, negative, huge, fractional, wrong-length ones. */
const shapeOf = (shape: number[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constant(shape.map((d) => (d < 0 ? 1 : d))),
    fc.constant(shape.map((d) => (d < 0 ? 0 : d))),
    fc.constant([0, ...shape.slice(1).map((d) => (d < 0 ? 1 : d))]),
    fc.array(fc.oneof(fc.integer({ min: -3, max: 300 }), fc.constantFrom(0, 2 ** 31, 1e9, 1.5, -1)), {
      maxLength: 5,
    }),
    fc.constantFrom(null, "1,60", {}, [[1]], [Number.MAX_VALUE]),
  );

/** Data for a tensor of the given (model) shape: often the right count, with hostile elements mixed in. */
const dataFor = (shape: number[]): fc.Arbitrary<unknown> => {
  const count = shape.reduce((a, b) => a * (b < 0 ? 1 : b), 1);
  const element = fc.oneof(
    { weight: 5, arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(1e39, -1e39, 1e308, "1", null, true, [], {}, 1.5) },
  );
  return fc.oneof(
    fc.array(element, { minLength: count, maxLength: count }),
    fc.array(element, { maxLength: Math.min(count + 3, 400) }),
    fc.array(fc.array(element, { maxLength: 8 }), { maxLength: 8 }),
    { weight: 2, arbitrary: fc.constant([]) },
    fc.constantFrom(null, "data", [[[[[[[[[[1]]]]]]]]]]),
  );
};

/** Open Inference Protocol request bodies around a model's signature. */
export const inferBody = (model: ModelShape): fc.Arbitrary<unknown> => {
  const specInputs = model.inputs.map((spec) =>
    fc.record(
      {
        name: fc.oneof({ weight: 4, arbitrary: fc.constant(spec.name) }, fc.string({ maxLength: 10 })),
        datatype: fc.oneof(
          { weight: 4, arbitrary: fc.constant(spec.datatype) },
          fc.constantFrom(...DATATYPES),
        ),
        shape: shapeOf(spec.shape),
        data: dataFor(spec.shape),
        parameters: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, hostileValue),
      },
      { requiredKeys: ["name", "datatype", "shape", "data", "parameters"] },
    ),
  );
  const specInput = fc.oneof(...specInputs);
  const input = fc.oneof({ weight: 6, arbitrary: specInput }, hostileValue);
  // each field is mostly absent or well formed, so that the hostile part of a case is reached
  // rather than refused for some other field first
  const sometimes = <T>(arbitrary: fc.Arbitrary<T>, weight = 1) =>
    fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight, arbitrary });
  const output = fc.record({
    name: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...model.outputs.map((o) => o.name)) },
      fc.string({ maxLength: 6 }),
    ),
    parameters: sometimes(
      fc.record({ classification: fc.oneof(fc.integer({ min: -2, max: 2000 }), hostileValue) }),
    ),
  });
  return fc
    .record({
      id: sometimes(fc.oneof(fc.string({ maxLength: 20 }), fc.constant("x".repeat(300)), fc.integer())),
      parameters: sometimes(
        fc.oneof(
          { weight: 3, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), hostileValue, { maxKeys: 3 }) },
          hostileValue,
        ),
      ),
      inputs: fc.oneof(
        { weight: 8, arbitrary: fc.array(input, { minLength: 1, maxLength: 3 }) },
        hostileValue,
      ),
      outputs: sometimes(
        fc.oneof({ weight: 3, arbitrary: fc.array(output, { maxLength: 4 }) }, hostileValue),
      ),
      extra: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, hostileValue),
    })
    .map((body) => Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)));
};

/** Binary tensor requests: a header (maybe lying about its length) and tensors (maybe lying about their size). */
export const binaryRequest = (model: ModelShape) =>
  fc
    .record({
      body: inferBody(model),
      sizes: fc.array(fc.oneof(fc.integer({ min: -4, max: 2000 }), fc.constantFrom(0, 2 ** 31, 1.5)), {
        maxLength: 3,
      }),
      tail: fc.uint8Array({ maxLength: 3000 }),
      headerLength: fc.oneof(
        { weight: 4, arbitrary: fc.constant("exact") },
        fc.integer({ min: -5, max: 5000 }).map(String),
        fc.constantFrom("", "abc", "1e3", " 12", "0x10", "99999999999999999999"),
      ),
    })
    .map(({ body, sizes, tail, headerLength }) => {
      const header = body as { inputs?: unknown };
      if (Array.isArray(header.inputs)) {
        header.inputs = header.inputs.map((input, i) => {
          if (input === null || typeof input !== "object" || sizes[i] === undefined) return input;
          const { data: _data, ...rest } = input as Record<string, unknown>;
          return { ...rest, parameters: { binary_data_size: sizes[i] } };
        });
      }
      const head = Buffer.from(JSON.stringify(header));
      return {
        body: Buffer.concat([head, tail]),
        headerLength: headerLength === "exact" ? String(head.length) : headerLength,
      };
    });

const TOKEN = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);

/** Raw request lines and headers: methods, paths, content types and framing that clients get wrong. */
export const rawHttpRequest = (models: ModelShape[]) =>
  fc
    .record({
      method: fc.oneof(
        fc.constantFrom(
          "GET",
          "POST",
          "PUT",
          "DELETE",
          "PATCH",
          "HEAD",
          "OPTIONS",
          "TRACE",
          "PROPFIND",
          "MKCOL",
        ),
        TOKEN,
      ),
      path: fc.oneof(
        fc.constantFrom(
          ...models.flatMap((m) => [
            `/v1/models/${m.name}/predict`,
            `/v2/models/${m.name}/infer`,
            `/v2/models/${m.name}/versions/${m.version}/infer`,
            `/v2/models/${m.name}`,
            `/v2/models/${m.name}/ready`,
          ]),
          "/",
          "/metrics",
          "/openapi.json",
          "/v2",
          "/healthz",
          "/v1/models/%ZZ/predict",
          "/v2/models/%2e%2e%2f/infer",
          "//v2//models//x//infer",
          "/v1/models/../../predict",
          `/v2/models/${"a".repeat(3000)}/infer`,
        ),
        fc
          .array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("%", "%00", "..", "%F0%9F")), {
            maxLength: 5,
          })
          .map((parts) => `/${parts.map((p) => p.replace(/[\s/?#]/g, "_")).join("/")}`),
      ),
      query: fc.oneof(
        fc.constant(""),
        fc.string({ maxLength: 20 }).map((q) => `?${encodeURIComponent(q)}`),
      ),
      contentType: fc.oneof(
        fc.constantFrom(
          "application/json",
          "application/json; charset=utf-16",
          "APPLICATION/JSON",
          "application/octet-stream",
          "image/png",
          "multipart/form-data; boundary=x",
          "multipart/form-data",
          "text/plain",
          "application/json, text/plain",
          "",
        ),
        fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, "")),
      ),
      framing: fc.constantFrom("length", "chunked", "short-length", "none", "bad-chunk"),
      body: bodyText,
      extraHeaders: fc.array(
        fc.tuple(
          fc.constantFrom(
            "x-request-id",
            "inference-header-content-length",
            "accept",
            "x-forwarded-for",
            "expect",
          ),
          fc.oneof(
            fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, "")),
            fc.constant("x".repeat(2000)),
          ),
        ),
        { maxLength: 3 },
      ),
    })
    .map(({ method, path, query, contentType, framing, body, extraHeaders }) => {
      const bytes = Buffer.from(body);
      const headers = [`Host: fuzz`, "Connection: close"];
      if (contentType) headers.push(`Content-Type: ${contentType}`);
      for (const [name, value] of extraHeaders) {
        if (name === "expect") continue; // 100-continue waits for the client: a different exchange
        headers.push(`${name}: ${value}`);
      }
      let payload: Buffer = bytes;
      if (framing === "length") headers.push(`Content-Length: ${bytes.length}`);
      if (framing === "short-length") headers.push(`Content-Length: ${Math.max(0, bytes.length - 3)}`);
      if (framing === "chunked" || framing === "bad-chunk") {
        headers.push("Transfer-Encoding: chunked");
        const size = framing === "bad-chunk" ? "zz" : bytes.length.toString(16);
        payload = Buffer.concat([Buffer.from(`${size}\r\n`), bytes, Buffer.from("\r\n0\r\n\r\n")]);
      }
      if (framing === "none") payload = Buffer.alloc(0);
      const head = `${method} ${path}${query} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`;
      return { method, bytes: Buffer.concat([Buffer.from(head), payload]) };
    });
