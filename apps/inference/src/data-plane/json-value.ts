import { HttpError } from "../errors.js";

/**
 * Up to this size a JSON body's depth is checked on the parsed value (~8 µs for btc's 21 KB of
 * candles) rather than by scanning its text before parsing (~74 µs): at this size even a body
 * nested to the brim parses in ~3 ms, less than a benign 1 MiB body takes (~4–5 ms). Larger bodies
 * are scanned first, so that V8 never builds a deep one.
 */
const SCAN_DEPTH_ABOVE = 64 * 1024;

function depthOf(text: string): number {
  // Counts bracket nesting outside strings, before JSON.parse.
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

const QUOTES_BODY = /^Unexpected token '(.+?)', ".*" is not valid JSON$/su;

/**
 * V8's JSON.parse message without the body: for an unexpected token V8 quotes up to ~30 characters
 * of the body, which would put a client's data (a password, binary garbage) into the answer and the
 * logs. The offending character alone is kept, as a code point when it is not printable.
 */
export function jsonErrorDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const token = QUOTES_BODY.exec(message)?.[1];
  if (token !== undefined) {
    const printable = /^[\x21-\x7e]$/.test(token);
    const codePoint = `U+${token.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    return `unexpected ${printable ? `'${token}'` : codePoint}`;
  }
  // the other messages say what was expected and at which position, and quote nothing
  return message && !message.includes('"') ? message : "cannot be parsed";
}

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
  if (raw.length > SCAN_DEPTH_ABOVE && depthOf(text) > maxDepth) throw tooDeep();
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
