import { jsonErrorDetail, jsonTextDepth } from "@lockstep/lockfile";
import { HttpError } from "../errors.js";

export { jsonErrorDetail };

/**
 * Up to this size a JSON body's depth is checked on the parsed value, cheaper than scanning its
 * text, and even a body nested to the brim parses quickly; larger bodies are scanned first, so V8
 * never builds a deep one (figures: bench/RESULTS.md, "Figures behind code decisions").
 */
const SCAN_DEPTH_ABOVE = 64 * 1024;

interface ValueWalk {
  /** Arrays and objects nest deeper than the limit. */
  tooDeep: boolean;
  /** A number overflowed to ±Infinity when parsed (1e309): JSON has no such value to mean. */
  nonFinite: boolean;
}

/** One iterative pass (no recursion) over a parsed JSON value: its nesting and its numbers. */
function walk(value: unknown, max: number): ValueWalk {
  const result: ValueWalk = { tooDeep: false, nonFinite: false };
  const containers: unknown[] = [value];
  const depths: number[] = [1];
  if (typeof value === "number" && !Number.isFinite(value)) result.nonFinite = true;
  while (containers.length > 0) {
    const container = containers.pop();
    const depth = depths.pop()!;
    if (typeof container !== "object" || container === null) continue;
    if (depth > max) {
      result.tooDeep = true;
      return result;
    }
    const items = Array.isArray(container) ? container : Object.values(container);
    for (const item of items) {
      if (typeof item === "object" && item !== null) {
        containers.push(item);
        depths.push(depth + 1);
      } else if (typeof item === "number" && !Number.isFinite(item)) result.nonFinite = true;
    }
  }
  return result;
}

/** Whether a parsed JSON value nests arrays and objects deeper than `max` (iterative: no recursion). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  return walk(value, max).tooDeep;
}

/**
 * Parses JSON bytes as a request's (the body, a binary request's header): a clear 400 for text that
 * is not JSON (quoting none of it), for nesting deeper than `maxDepth`, and for numbers beyond a
 * double's range, which JSON.parse would turn into Infinity.
 */
export function parseJsonText(raw: Buffer, maxDepth: number, what: string, code: string): unknown {
  const text = raw.toString("utf8");
  const tooDeep = () =>
    new HttpError(400, "BODY_TOO_DEEP", `JSON nesting deeper than ${maxDepth} in ${what}`);
  if (raw.length > SCAN_DEPTH_ABOVE && jsonTextDepth(text) > maxDepth) throw tooDeep();
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, code, `${what} is not valid JSON: ${jsonErrorDetail(error)}`);
  }
  const { tooDeep: deep, nonFinite } = walk(value, maxDepth);
  if (deep) throw tooDeep();
  if (nonFinite) {
    throw new HttpError(
      400,
      "NUMBER_OUT_OF_RANGE",
      `${what} holds a number beyond the range of a double (such as 1e309): numbers must be finite`,
    );
  }
  return value;
}
