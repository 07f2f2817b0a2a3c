import { DeployError } from "../errors.js";
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
type T = "int" | "float" | "bool" | "string" | "nil" | "any" | "array" | "map";

const GO_NAME: Readonly<Record<T, string>> = {
  int: "int", float: "float64", bool: "bool", string: "string", nil: "<nil>", any: "interface {}", array: "[]float64", map: "map[string]interface {}",
}; // prettier-ignore

// evaluate.go:63-71 (v1.7.2): the functions Argo adds; parameter and return types of the Go funcs
const ARGO_FUNCS: Readonly<Record<string, { params: readonly T[]; out: T }>> = {
  isNaN: { params: ["float"], out: "bool" }, // math.IsNaN
  isInf: { params: ["float"], out: "bool" }, // evaluate.go:98-100
  asInt: { params: ["any"], out: "int" }, // evaluate.go:102-136
  asFloat: { params: ["any"], out: "float" }, // evaluate.go:138-172
  isNil: { params: ["any"], out: "bool" }, // evaluate.go:200-204
  default: { params: ["any", "any"], out: "any" }, // evaluate.go:191-198
};
// builtin/builtin.go (expr v1.15.5): every builtin; only len and abs are ported
const BUILTINS = new Set("all none any one filter map find findIndex findLast findLastIndex count groupBy reduce len type abs ceil floor round int float string trim trimPrefix trimSuffix upper lower split splitAfter replace repeat join indexOf lastIndexOf hasPrefix hasSuffix max min sum mean median toJSON fromJSON toBase64 fromBase64 now duration date first last get take keys values toPairs fromPairs sort sortBy".split(" ")); // prettier-ignore

const isNum = (t: T) => t === "int" || t === "float";
// checker/types.go:43-54: one side interface{} and the other side of an accepted kind
const or = (l: T, r: T, ...ok: T[]) =>
  (l === "any" && r === "any") || (l === "any" && ok.includes(r)) || (r === "any" && ok.includes(l));
const numeric: T[] = ["int", "float"];
// checker/types.go:24-32
const combined = (a: T, b: T): T => (a === b ? a : a === "float" || b === "float" ? "float" : "int");

/** checker/checker.go:987-1003: integer literals passed for a float64 parameter become float literals. */
function intToFloat(n: Node): Node {
  if (n.k === "int") return { k: "float", v: Number(n.v) };
  if (n.k === "unary") return { ...n, x: intToFloat(n.x) };
  if (n.k === "binary" && (n.op === "+" || n.op === "-" || n.op === "*")) return { ...n, l: intToFloat(n.l), r: intToFloat(n.r) }; // prettier-ignore
  return n;
}

function check(n: Node, result: T): T {
  switch (n.k) {
    case "int":
    case "float":
    case "bool": return n.k; // prettier-ignore
    case "str":
      return "string";
    case "nil":
      return "nil";
    case "ident":
      if (n.name === "result") return result;
      if (Object.hasOwn(ARGO_FUNCS, n.name) || BUILTINS.has(n.name) || n.name === "$env") throw unsupported(`${n.name} as a value`); // prettier-ignore
      throw compileError(`unknown name ${n.name}`); // checker.go:186-188, Strict with expr.Env
    case "unary": {
      // checker.go:215-243
      const t = check(n.x, result);
      if (n.op === "!" || n.op === "not") {
        if (t === "bool" || t === "any") return "bool";
      } else if (isNum(t) || t === "any") return t;
      throw compileError(`invalid operation: ${n.op} (mismatched type ${GO_NAME[t]})`);
    }
    case "binary": {
      // checker.go:245-436
      const l = check(n.l, result);
      const r = check(n.r, result);
      const out = binaryType(n.op, l, r);
      if (out === undefined) throw compileError(`invalid operation: ${n.op} (mismatched types ${GO_NAME[l]} and ${GO_NAME[r]})`); // prettier-ignore
      return out;
    }
    case "index": {
      // checker.go:442-523 (MemberNode)
      const base = check(n.x, result);
      const prop = check(n.i, result);
      if (base === "any") return "any";
      if (base === "nil" && n.i.k === "str") throw compileError(`type <nil> has no field ${n.i.v}`); // checker.go:460-463
      if (base === "map") {
        // checker.go:493-497: a key assignable to string; the element type interface{}
        if (prop !== "string" && prop !== "any") throw compileError(`cannot use ${GO_NAME[prop]} to get an element from map[string]interface {}`); // prettier-ignore
        return "any";
      }
      if (base !== "array") throw compileError(`type ${GO_NAME[base]}[${GO_NAME[prop]}] is undefined`);
      if (prop !== "int" && prop !== "any") throw compileError(`array elements can only be selected using an integer (got ${GO_NAME[prop]})`); // prettier-ignore
      return "float";
    }
    case "call":
      return checkCall(n, result);
  }
}

function binaryType(op: string, l: T, r: T): T | undefined {
  switch (op) {
    case "==":
    case "!=": // prettier-ignore
      // checker/types.go:231-244 isComparable
      return l === "nil" || r === "nil" || l === r || (isNum(l) && isNum(r)) || l === "any" || r === "any" ? "bool" : undefined; // prettier-ignore
    case "or":
    case "||":
    case "and":
    case "&&": // prettier-ignore
      return (l === "bool" && r === "bool") || or(l, r, "bool") ? "bool" : undefined;
    case "<":
    case ">":
    case ">=":
    case "<=": // prettier-ignore
      return (isNum(l) && isNum(r)) || (l === "string" && r === "string") || or(l, r, ...numeric, "string") ? "bool" : undefined; // prettier-ignore
    case "-":
    case "*": // prettier-ignore
      return isNum(l) && isNum(r) ? combined(l, r) : or(l, r, ...numeric) ? "any" : undefined;
    case "/":
    case "**":
    case "^": // prettier-ignore
      return (isNum(l) && isNum(r)) || or(l, r, ...numeric) ? "float" : undefined;
    case "%":
      return l === "int" && r === "int" ? "int" : or(l, r, "int") ? "any" : undefined;
    case "+":
      if (isNum(l) && isNum(r)) return combined(l, r);
      if (l === "string" && r === "string") return "string";
      return or(l, r, ...numeric, "string") ? "any" : undefined;
    case "in":
      if (r === "map") {
        // checker.go:355-363: nil, or a key assignable to string
        if (l === "string" || l === "any" || l === "nil") return "bool";
        throw compileError(`cannot use ${GO_NAME[l]} as type string in map key`);
      }
      if (r === "array") {
        if (l === "nil" || isNum(l) || l === "any") return "bool";
        throw compileError(`cannot use ${GO_NAME[l]} as type float64 in array`);
      }
      return (l === "any" && r === "string") || r === "any" ? "bool" : undefined;
  }
  return undefined;
}

function checkCall(n: Extract<Node, { k: "call" }>, result: T): T {
  if (n.name === "len" || n.name === "abs") {
    // builtin/builtin.go:96-128: Validate after visiting the arguments
    const ts = n.args.map((a) => check(a, result));
    if (ts.length !== 1) throw compileError(`invalid number of arguments (expected 1, got ${ts.length})`);
    const t = ts[0]!;
    if (n.name === "len") {
      if (t === "array" || t === "string" || t === "map" || t === "any") return "int";
    } else if (isNum(t) || t === "any") return t;
    throw compileError(`invalid argument for ${n.name} (type ${GO_NAME[t]})`);
  }
  if (BUILTINS.has(n.name)) throw unsupported(`${n.name}()`);
  const fn = Object.hasOwn(ARGO_FUNCS, n.name) ? ARGO_FUNCS[n.name] : undefined;
  if (fn === undefined) {
    if (n.name === "result") throw compileError(`${GO_NAME[result]} is not callable`); // checker.go:615
    if (n.name === "$env") throw unsupported("$env");
    throw compileError(`unknown name ${n.name}`);
  }
  // checker.go:898-985 checkArguments: arity first, then each argument against its parameter type
  if (n.args.length > fn.params.length) throw compileError(`too many arguments to call ${n.name}`);
  if (n.args.length < fn.params.length) throw compileError(`not enough arguments to call ${n.name}`);
  n.args.forEach((arg, i) => {
    const t = check(arg, result);
    const param = fn.params[i]!;
    if (param === "float" && t === "int") n.args[i] = intToFloat(arg);
    else if (t !== "nil" && param !== "any" && t !== param && t !== "any") {
      throw compileError(`cannot use ${GO_NAME[t]} as argument (type ${GO_NAME[param]}) to call ${n.name} `);
    }
  });
  return fn.out;
}

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
