import { compileError, unsupported, type Node } from "./expr-parse.js";

/*
 * The type checker of the expr subset (expr v1.15.5 checker/checker.go and checker/types.go): what
 * Argo Rollouts' compile step (utils/evaluate/evaluate.go:60-96, v1.7.2) refuses before it runs a
 * condition, with the environment it gives one (result, asInt, asFloat, isNaN, isInf, isNil, default).
 */

export type T = "int" | "float" | "bool" | "string" | "nil" | "any" | "array" | "map";

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

export function check(n: Node, result: T): T {
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
