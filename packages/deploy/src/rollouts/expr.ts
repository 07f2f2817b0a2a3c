import { DeployError } from "../errors.js";
import { check, type T } from "./expr-check.js";
import { compileError, parseExpr, unsupported, type Node } from "./expr-parse.js";
import {
  isMap,
  arith,
  asFloat,
  asInt,
  compare,
  equal,
  fetch,
  goPow,
  goType,
  notA,
  runtimeError,
  wrap,
  type Value,
} from "./expr-runtime.js";

/*
 * Type checker, constant folder and evaluator for the expr subset, with the environment Argo Rollouts
 * gives a condition: utils/evaluate/evaluate.go:60-96 (v1.7.2) compiles each condition with
 * expr.Env({result, asInt, asFloat, isNaN, isInf, isNil, default}) (strict: unknown names fail) and runs it.
 * Semantics from expr v1.15.5 checker/checker.go, checker/types.go, optimizer/fold.go, vm/vm.go,
 * vm/runtime/runtime.go and vm/runtime/generated.go.
 */

/** What a Prometheus measurement hands the evaluator as `result`: float64 (scalar) or []float64 (vector). */
export type ExprResult = number | readonly number[];
/** What a web measurement hands it: the JSON value at the metric's JSONPath (json.Unmarshal into `any`). */
export type JsonResult = number | string | boolean | null | { readonly [key: string]: unknown };
/** optimizer/fold.go (expr v1.15.5): constant folding after the type check, bottom-up. */
function fold(n: Node): Node {
  if (n.k === "unary") {
    const x = fold(n.x);
    if (x.k === "int" && (n.op === "-" || n.op === "+"))
      return { k: "int", v: n.op === "-" ? wrap(-x.v) : x.v };
    if (x.k === "float" && (n.op === "-" || n.op === "+"))
      return { k: "float", v: n.op === "-" ? -x.v : x.v };
    if (x.k === "bool" && (n.op === "!" || n.op === "not")) return { k: "bool", v: !x.v };
    return { ...n, x };
  }
  if (n.k === "index") return { ...n, x: fold(n.x), i: fold(n.i) };
  if (n.k === "call") return { ...n, args: n.args.map(fold) };
  if (n.k !== "binary") return n;
  const l = fold(n.l);
  const r = fold(n.r);
  const num = (x: Node) => (x.k === "int" ? x.v : x.k === "float" ? x.v : undefined);
  const a = num(l);
  const b = num(r);
  const op = n.op;
  if (a !== undefined && b !== undefined) {
    if (op === "%" && typeof a === "bigint" && typeof b === "bigint") {
      if (b === 0n) throw compileError("integer divide by zero"); // fold.go:190-199, even behind && or ||
      return { k: "int", v: a % b };
    }
    if ((op === "+" || op === "-" || op === "*") && typeof a === "bigint" && typeof b === "bigint") {
      return { k: "int", v: wrap(op === "+" ? a + b : op === "-" ? a - b : a * b) };
    }
    const x = Number(a);
    const y = Number(b);
    if (op === "+" || op === "-" || op === "*" || op === "/") {
      return { k: "float", v: op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : x / y };
    }
    if (op === "**" || op === "^") return { k: "float", v: goPow(x, y) };
    if (op === "==" && typeof a === "bigint" && typeof b === "bigint") return { k: "bool", v: a === b };
  }
  if (op === "+" && l.k === "str" && r.k === "str") return { k: "str", v: l.v + r.v };
  if (op === "==" && ((l.k === "str" && r.k === "str") || (l.k === "bool" && r.k === "bool"))) return { k: "bool", v: l.v === r.v }; // prettier-ignore
  const lb = l.k === "bool" ? l.v : undefined;
  const rb = r.k === "bool" ? r.v : undefined;
  if (op === "and" || op === "&&") {
    // fold.go "and": true && x → x; x && true → x; x && false → false (x is never evaluated)
    if (lb === true) return r;
    if (rb === true) return l;
    if (lb === false || rb === false) return { k: "bool", v: false };
  }
  if (op === "or" || op === "||") {
    if (lb === false) return r;
    if (rb === false) return l;
    if (lb === true || rb === true) return { k: "bool", v: true };
  }
  return { ...n, l, r };
}

function run(n: Node, result: ExprResult | JsonResult): Value {
  switch (n.k) {
    case "int":
    case "float":
    case "str":
    case "bool": return n.v; // prettier-ignore
    case "nil":
      return null;
    case "ident":
      return result; // the checker admits no other name
    case "unary": {
      const v = run(n.x, result);
      if (n.op === "+") return v; // compiler.go UnaryNode: "+" emits nothing
      if (n.op === "-") {
        if (typeof v === "bigint") return wrap(-v);
        if (typeof v === "number") return -v;
        throw runtimeError(`invalid operation: - ${goType(v)}`); // runtime.Negate
      }
      if (typeof v !== "boolean") throw notA(v, "bool"); // OpNot: vm.pop().(bool)
      return !v;
    }
    case "binary": {
      const l = run(n.l, result);
      if (n.op === "and" || n.op === "&&" || n.op === "or" || n.op === "||") {
        // OpJumpIfFalse / OpJumpIfTrue: the left side must be bool; the right side is returned as is
        if (typeof l !== "boolean") throw notA(l, "bool");
        const and = n.op === "and" || n.op === "&&";
        return and === l ? run(n.r, result) : l;
      }
      const r = run(n.r, result);
      if (n.op === "==") return equal(l, r);
      if (n.op === "!=") return !equal(l, r);
      if (n.op === "<" || n.op === ">" || n.op === "<=" || n.op === ">=") return compare(n.op, l, r);
      if (n.op === "in") {
        // runtime.In (vm/runtime/runtime.go:208-259): Equal against each element
        if (r === null) return false;
        if (Array.isArray(r)) return r.some((x) => equal(x, l));
        if (isMap(r)) return typeof l === "string" && Object.hasOwn(r, l); // runtime.In: MapIndex(key).IsValid()
        throw runtimeError(`operator "in" not defined on ${goType(r)}`);
      }
      return arith(n.op, l, r);
    }
    case "index":
      return fetch(run(n.x, result), run(n.i, result));
    case "call": {
      const args = n.args.map((a) => run(a, result));
      const v = args[0]!;
      switch (n.name) {
        case "len": // builtin/func.go:12-20; Go strings count UTF-8 bytes
          if (Array.isArray(v)) return BigInt(v.length);
          if (typeof v === "string") return BigInt(Buffer.byteLength(v, "utf8"));
          if (isMap(v)) return BigInt(Object.keys(v).length);
          throw runtimeError(`invalid argument for len (type ${goType(v)})`);
        case "abs":
          if (typeof v === "bigint") return wrap(v < 0n ? -v : v);
          if (typeof v === "number") return v < 0 ? -v : v;
          throw runtimeError(`invalid argument for abs (type ${goType(v)})`);
        case "isNaN":
        case "isInf": // prettier-ignore
          if (typeof v !== "number") throw notA(v, "float64");
          return n.name === "isNaN" ? Number.isNaN(v) : Math.abs(v) === Infinity;
        case "asInt": return asInt(v); // prettier-ignore
        case "asFloat": return asFloat(v); // prettier-ignore
        case "isNil":
          return result === null; // evaluate.go:200-219: whether `result` is nil (a Prometheus result never is)
        default:
          return result === null ? args[1]! : result; // "default": evaluate.go:191-198
      }
    }
  }
}

/**
 * EvalCondition (evaluate.go:60-96, v1.7.2): compile `condition` against this `result`, run it, and
 * require a bool. Throws DeployError: ROLLOUTS_EXPR_COMPILE / ROLLOUTS_EXPR_RUNTIME where expr or Argo
 * return an error (Argo then records an Error measurement); ROLLOUTS_EXPR_UNSUPPORTED / ROLLOUTS_EXPR_LIMIT
 * where the condition is outside what this port judges.
 */
export function evalCondition(condition: string, result: ExprResult): boolean {
  return evaluate(condition, result, Array.isArray(result) ? "array" : "float");
}

/**
 * EvalCondition for a web measurement: `result` is the JSON value the metric's JSONPath selected, typed
 * as json.Unmarshal leaves it (float64, string, bool, nil or map[string]interface{}, whose members are
 * interface{}). A JSON array (Go []interface{}) is outside the ported subset.
 */
export function evalJsonCondition(condition: string, result: JsonResult | readonly unknown[]): boolean {
  if (Array.isArray(result)) throw unsupported("a JSON array as result");
  const json = result as JsonResult;
  const type: T =
    json === null ? "nil" : typeof json === "number" ? "float" : typeof json === "string" ? "string" : typeof json === "boolean" ? "bool" : "map"; // prettier-ignore
  return evaluate(condition, json, type);
}

function evaluate(condition: string, result: ExprResult | JsonResult, resultType: T): boolean {
  const tree = parseExpr(condition);
  check(tree, resultType);
  const output = run(fold(tree), result);
  if (typeof output !== "boolean") throw runtimeError(`expected bool, but got ${goType(output)}`); // evaluate.go:90-95
  return output;
}

/** Whether Argo would record this error as the measurement's Error (rather than this port refusing to judge). */
export function isArgoExprError(error: unknown): error is DeployError {
  return (
    error instanceof DeployError &&
    (error.code === "ROLLOUTS_EXPR_COMPILE" || error.code === "ROLLOUTS_EXPR_RUNTIME")
  );
}
