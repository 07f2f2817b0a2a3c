import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { nestsDeeperThan, readBody } from "../src/inference-steps/read-body.js";
import { HttpError } from "../src/errors.js";
import { configWith } from "../src/config.js";

/** A JSON body nested `depth` deep, alternating arrays and objects, padded to about `bytes`. */
function nested(depth: number, bytes = 0): string {
  let text = `"${"x".repeat(Math.max(0, bytes - depth * 8))}"`;
  for (let level = depth; level >= 1; level--) text = level % 2 ? `[1, ${text}]` : `{"k": ${text}}`;
  return text;
}

const request = (text: string) =>
  Object.assign(Readable.from([Buffer.from(text)]), {
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) },
  }) as unknown as IncomingMessage;

async function depthCode(text: string, jsonDepth = 32): Promise<string> {
  try {
    const body = await readBody(request(text), {
      ...configWith().bodyLimits,
      jsonDepth,
      json: 4 * 1024 * 1024,
    });
    void body.value;
    return "ok";
  } catch (error) {
    return error instanceof HttpError ? error.code : String(error);
  }
}

describe("JSON depth limit", () => {
  it("measures nesting on a parsed value as on its text", () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan("[[[", 0)).toBe(false);
    expect(nestsDeeperThan([], 0)).toBe(true);
    expect(nestsDeeperThan([[]], 1)).toBe(true);
    expect(nestsDeeperThan([[]], 2)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: null }], c: "x" }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: {} }] }, 3)).toBe(true);
    for (const depth of [1, 2, 31, 32, 33, 100]) {
      const value = JSON.parse(nested(depth)) as unknown;
      expect(nestsDeeperThan(value, 32), String(depth)).toBe(depth > 32);
    }
  });

  it("refuses a body one level too deep and takes one at the limit, small or large", async () => {
    // small bodies are checked after parsing, bodies over 64 KiB by a scan before it
    for (const bytes of [0, 200 * 1024]) {
      expect(await depthCode(nested(32, bytes)), `32 deep, ${bytes} bytes`).toBe("ok");
      expect(await depthCode(nested(33, bytes)), `33 deep, ${bytes} bytes`).toBe("BODY_TOO_DEEP");
    }
    expect(await depthCode(nested(3), 2)).toBe("BODY_TOO_DEEP");
  });

  it("refuses hostile nesting of every size without recursing", async () => {
    for (const half of [33, 5_000, 40_000, 1_000_000]) {
      expect(await depthCode(`${"[".repeat(half)}${"]".repeat(half)}`), String(half)).toBe("BODY_TOO_DEEP");
    }
    // unbalanced: malformed when small; a large one is refused by the scan before parsing
    expect(await depthCode("[".repeat(1000))).toBe("INVALID_JSON");
    expect(await depthCode("[".repeat(100_000))).toBe("BODY_TOO_DEEP");
    expect(await depthCode(`{"a": "${"[".repeat(100_000)}"}`)).toBe("ok"); // brackets in a string
  });
});
