import { DeployError } from "../errors.js";
import { parseGoFloat } from "./expr-parse.js";

/*
 * Runtime operations of the expr VM (expr v1.15.5 vm/vm.go, vm/runtime/runtime.go, vm/runtime/generated.go)
 * and Argo's asInt/asFloat (utils/evaluate/evaluate.go:102-172, v1.7.2), over the values a condition can hold:
 * int (bigint, Go's 64-bit int), float64 (number), string, bool, nil (null) and []float64.
 */

/** A JSON object from a web measurement: Go's map[string]interface{}. */
export type JsonMap = { readonly [key: string]: unknown };
export type Value = bigint | number | string | boolean | null | readonly number[] | JsonMap;

export const isMap = (v: unknown): v is JsonMap => typeof v === "object" && v !== null && !Array.isArray(v);

export const runtimeError = (message: string) => new DeployError("ROLLOUTS_EXPR_RUNTIME", message);
export const wrap = (v: bigint) => BigInt.asIntN(64, v); // Go int is 64-bit and wraps
/** Go math.Pow where it differs from JS **: Pow(1, y) = 1 and Pow(-1, ±Inf) = 1 for any y. */
export const goPow = (a: number, b: number) =>
  a === 1 || (a === -1 && Math.abs(b) === Infinity) ? 1 : a ** b;

/** Go's %T of a runtime value. */
export function goType(v: Value): string {
  if (v === null) return "<nil>";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "float64";
  if (isMap(v)) return "map[string]interface {}";
  return Array.isArray(v) ? "[]float64" : typeof v;
}
export const notA = (v: Value, want: string) => runtimeError(`interface conversion: interface {} is ${v === null ? "nil" : goType(v)}, not ${want}`); // prettier-ignore
const isNumV = (v: Value): v is bigint | number => typeof v === "bigint" || typeof v === "number";
const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)); // Go compares strings bytewise

/** vm/runtime/generated.go Equal: numbers across int/float, strings, else reflect.DeepEqual. */
export function equal(a: Value, b: Value): boolean {
  if (typeof a === "bigint" && typeof b === "bigint") return a === b;
  if (isNumV(a) && isNumV(b)) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

export function arith(op: string, a: Value, b: Value): Value {
  const fail = () => runtimeError(`invalid operation: ${goType(a)} ${op} ${goType(b)}`);
  if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;
  if (!isNumV(a) || !isNumV(b)) throw fail();
  if (op === "%") {
    if (typeof a !== "bigint" || typeof b !== "bigint") throw fail();
    if (b === 0n) throw runtimeError("runtime error: integer divide by zero");
    return a % b;
  }
  if (typeof a === "bigint" && typeof b === "bigint" && op !== "/" && op !== "**" && op !== "^") {
    return wrap(op === "+" ? a + b : op === "-" ? a - b : a * b);
  }
  const x = Number(a);
  const y = Number(b);
  if (op === "**" || op === "^") return goPow(x, y);
  return op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : x / y; // "/" is always float64
}

export function compare(op: string, a: Value, b: Value): boolean {
  let c: number;
  if (typeof a === "bigint" && typeof b === "bigint") c = a < b ? -1 : a > b ? 1 : 0;
  else if (isNumV(a) && isNumV(b)) {
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return false; // every ordered comparison with NaN is false
    c = x < y ? -1 : x > y ? 1 : 0;
  } else if (typeof a === "string" && typeof b === "string") c = byteCompare(a, b);
  else throw runtimeError(`invalid operation: ${goType(a)} ${op} ${goType(b)}`);
  return op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0;
}

/** runtime.Fetch (vm/runtime/runtime.go:19-83): negative indexes count from the end; out of range panics. */
export function fetch(base: Value, i: Value): Value {
  if (isMap(base)) {
    // :47-59: MapIndex; a missing key gives the element's zero value (nil); a non-string key panics in reflect
    if (typeof i !== "string") throw runtimeError(`reflect.Value.MapIndex: value of type ${goType(i)} is not assignable to type string`); // prettier-ignore
    return Object.hasOwn(base, i) ? (base[i] as Value) : null;
  }
  if (!Array.isArray(base)) throw runtimeError(`cannot fetch ${String(i)} from ${goType(base)}`);
  if (!isNumV(i)) throw runtimeError(`invalid operation: int(${goType(i)})`);
  let index = typeof i === "bigint" ? Number(i) : Math.trunc(i);
  if (index < 0) index += base.length;
  if (!(index >= 0 && index < base.length)) throw runtimeError("reflect: slice index out of range");
  return base[index]!;
}

/** asInt (evaluate.go:102-136): int64(float64) truncates; NaN and out-of-range give MinInt64 as on amd64. */
export function asInt(v: Value): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number")
    return Number.isNaN(v) || Math.abs(v) >= 2 ** 63 ? -(2n ** 63n) : BigInt(Math.trunc(v));
  if (typeof v === "string") {
    if (!/^[+-]?[0-9]+$/.test(v))
      throw runtimeError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    const n = BigInt(v);
    if (n !== wrap(n))
      throw runtimeError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
    return n;
  }
  throw runtimeError(`asInt() not supported on ${goType(v)} ${String(v)}`);
}

export function asFloat(v: Value): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") {
    const f = parseGoFloat(v);
    if (f === undefined)
      throw runtimeError(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
    return f;
  }
  throw runtimeError(`asFloat() not supported on ${goType(v)} ${String(v)}`);
}
