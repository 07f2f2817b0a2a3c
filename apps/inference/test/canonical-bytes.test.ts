import { describe, expect, it } from "vitest";
import { canonicalBytes } from "../src/cache/canonical-bytes.js";

const hex = (value: unknown) => canonicalBytes(value).toString("hex");
const parsed = (text: string) => hex(JSON.parse(text));

describe("canonical bytes of a JSON value", () => {
  it("are equal whatever the key order, whitespace and number spelling", () => {
    expect(parsed('{"b": 1, "a": [1.0, "x", {"d": null, "c": true}]}')).toBe(
      parsed('{"a":[1,"x",{"c":true,"d":null}],"b":1e0}'),
    );
    expect(parsed("-0")).toBe(parsed("0"));
    // one shape repeated (the remembered key order) and then a different one
    const records = '[{"t":1,"o":2},{"t":3,"o":4},{"o":5,"t":6},{"x":7}]';
    expect(parsed(records)).toBe(hex([{ o: 2, t: 1 }, { o: 4, t: 3 }, { t: 6, o: 5 }, { x: 7 }]));
  });

  it("differ for different values, including ones that look alike as text", () => {
    const values: unknown[] = [
      null,
      false,
      true,
      0,
      1,
      0.1 + 0.2,
      0.3,
      "",
      "1",
      "null",
      "é",
      "😀",
      "a".repeat(40),
      "a".repeat(40) + "é",
      [],
      [null],
      [[]],
      ["a", "b"],
      ["ab"],
      {},
      { a: null },
      { a: "b" },
      { ab: "" },
      { a: { b: 1 } },
      { "a\u0000b": 1 },
      [{ a: 1 }, { b: 1 }],
      [{ a: 1 }, { a: 1, b: 1 }],
    ];
    const seen = new Map<string, unknown>();
    for (const value of values) {
      const bytes = hex(value);
      expect(seen.get(bytes), JSON.stringify(value)).toBeUndefined();
      seen.set(bytes, value);
    }
  });

  it("skip undefined properties and write undefined items as null, as JSON does", () => {
    expect(hex({ a: 1, b: undefined })).toBe(hex({ a: 1 }));
    expect(hex([1, undefined])).toBe(hex([1, null]));
  });

  it("refuse what JSON cannot hold", () => {
    expect(() => canonicalBytes({ a: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalBytes([Infinity])).toThrow(/non-finite/);
    expect(() => canonicalBytes({ a: 1n })).toThrow(/bigint/);
    expect(() => canonicalBytes(new Float32Array(2))).toThrow(/typed array/);
  });

  it("grow past the scratch buffer for a large request and give a small one the same bytes after", () => {
    const small = hex({ horizon: 12 });
    const large = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `row ${i} é` }));
    const bytes = canonicalBytes(large);
    expect(bytes.length).toBeGreaterThan(1024 * 1024);
    expect(bytes.readUInt32LE(1)).toBe(200_000);
    // a 40 000-character string needs 3 bytes per code unit reserved
    expect(canonicalBytes("€".repeat(40_000)).length).toBe(5 + 3 * 40_000);
    expect(hex({ horizon: 12 })).toBe(small);
  });
});
