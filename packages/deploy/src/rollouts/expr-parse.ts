import { DeployError } from "../errors.js";

/*
 * Lexer and parser for the part of the expr language (github.com/antonmedv/expr v1.15.5, go.mod of
 * argo-rollouts v1.7.2) that AnalysisTemplate conditions use. Ported from expr v1.15.5
 * parser/lexer/state.go, parser/lexer/lexer.go, parser/parser.go and parser/operator/operator.go.
 * Valid expr syntax outside the subset raises ROLLOUTS_EXPR_UNSUPPORTED (never a verdict we cannot
 * reproduce); what expr itself rejects raises ROLLOUTS_EXPR_COMPILE with expr's message.
 */

export type BinaryOp =
  | "or" | "||" | "and" | "&&" | "==" | "!=" | "<" | ">" | "<=" | ">="
  | "+" | "-" | "*" | "/" | "%" | "**" | "^" | "in"; // prettier-ignore

export type Node =
  | { k: "int"; v: bigint }
  | { k: "float"; v: number }
  | { k: "str"; v: string }
  | { k: "bool"; v: boolean }
  | { k: "nil" }
  | { k: "ident"; name: string }
  | { k: "unary"; op: "-" | "+" | "!" | "not"; x: Node }
  | { k: "binary"; op: BinaryOp; l: Node; r: Node }
  | { k: "index"; x: Node; i: Node }
  | { k: "call"; name: string; args: Node[] };

/** Longest condition accepted (UTF-8 bytes); expr has no limit, this is our guard against hostile input. */
export const MAX_EXPR_BYTES = 4096;
/** Deepest nesting of sub-expressions accepted; expr has no limit either. */
export const MAX_EXPR_DEPTH = 64;

export const compileError = (message: string) => new DeployError("ROLLOUTS_EXPR_COMPILE", message);
export const unsupported = (what: string) =>
  new DeployError("ROLLOUTS_EXPR_UNSUPPORTED", `${what} is valid expr but outside the ported subset`);

// parser/operator/operator.go:19-52 (expr v1.15.5): precedence and associativity
const UNARY: Readonly<Record<string, number>> = { not: 50, "!": 50, "-": 90, "+": 90 };
const BINARY: Readonly<Record<string, number>> = {
  "|": 0, or: 10, "||": 10, and: 15, "&&": 15, "==": 20, "!=": 20, "<": 20, ">": 20, ">=": 20, "<=": 20,
  in: 20, matches: 20, contains: 20, startsWith: 20, endsWith: 20, "..": 25, "+": 30, "-": 30,
  "*": 60, "/": 60, "%": 60, "**": 100, "^": 100, "??": 500,
}; // prettier-ignore
const SUPPORTED_BINARY = new Set(Object.keys(BINARY).filter((op) => !/^(\||matches|contains|startsWith|endsWith|\.\.|\?\?)$/.test(op))); // prettier-ignore
const WORD_OPERATORS = new Set(["in", "or", "and", "matches", "contains", "startsWith", "endsWith", "let"]);
// parser/parser.go:19-34 (expr v1.15.5): builtins whose second argument is a closure
const PREDICATES = new Set(["all", "none", "any", "one", "filter", "map", "count", "find", "findIndex", "findLast", "findLastIndex", "groupBy", "reduce"]); // prettier-ignore
const has = (table: object, key: string) => Object.hasOwn(table, key);

type Kind = "Identifier" | "Number" | "String" | "Operator" | "Bracket" | "EOF";
interface Token {
  kind: Kind;
  value: string;
}

// parser/utils/utils.go: unicode.IsSpace, IsLetter, IsDigit
const isSpace = (c: string) =>
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u.test(c);
const isAlphaNumeric = (c: string | undefined) => c !== undefined && /^[_$\p{L}\p{Nd}]$/u.test(c);
const goRune = (c: string) => {
  const hex = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return `U+${hex} '${c}'`;
};
const ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\",
}; // prettier-ignore

/** parser/lexer/state.go root() and lexer.go scanString/scanEscape (expr v1.15.5). */
function lex(src: string): Token[] {
  const cs = Array.from(src);
  const out: Token[] = [];
  let i = 0;
  const emit = (kind: Kind, value: string) => out.push({ kind, value });
  const accept = (set: string) => (i < cs.length && set.includes(cs[i]!) ? (i++, true) : false);
  const acceptRun = (set: string) => {
    while (accept(set));
  };
  while (i < cs.length) {
    const start = i;
    const c = cs[i++]!;
    if (isSpace(c)) continue;
    if (c === "'" || c === '"') {
      let str = "";
      for (;;) {
        const ch = cs[i++];
        if (ch === c) break;
        if (ch === undefined || ch === "\n") throw compileError("literal not terminated");
        if (ch !== "\\") {
          str += ch === "\r" ? "\n" : ch; // unescape() normalizes newlines (lexer/utils.go)
          continue;
        }
        const e = cs[i++] ?? "";
        const hexLen = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
        if (e === c) str += c;
        else if (has(ESCAPES, e)) str += ESCAPES[e];
        else if (hexLen > 0 || /^[0-3]$/.test(e)) {
          const digits = hexLen > 0 ? cs.slice(i, i + hexLen).join("") : e + cs.slice(i, i + 2).join("");
          const ok = hexLen > 0 ? new RegExp(`^[0-9a-fA-F]{${hexLen}}$`) : /^[0-3][0-7]{2}$/;
          if (!ok.test(digits)) throw compileError("invalid char escape");
          i += hexLen > 0 ? hexLen : 2;
          const cp = parseInt(digits, hexLen > 0 ? 16 : 8);
          if (cp > 0x10ffff) throw compileError("unable to unescape string");
          str += cp >= 0xd800 && cp <= 0xdfff ? "\ufffd" : String.fromCodePoint(cp); // utf8.EncodeRune
        } else throw compileError("invalid char escape");
      }
      emit("String", str);
    } else if ((c >= "0" && c <= "9") || (c === "." && /^[0-9]$/.test(cs[i] ?? ""))) {
      // scanNumber: [0[xXoObB]]digits[.digits][eE[+-]digits], not followed by a letter
      i = start;
      let digits = "0123456789_";
      if (accept(".")) acceptRun(digits);
      else {
        if (accept("0")) {
          if (accept("xX")) digits = "0123456789abcdefABCDEF_";
          else if (accept("oO")) digits = "01234567_";
          else if (accept("bB")) digits = "01_";
        }
        acceptRun(digits);
        if (cs[i] === "." && cs[i + 1] !== ".") {
          i++; // "1..2" is a range, not "1."
          acceptRun(digits);
        }
      }
      if (accept("eE")) {
        accept("+-");
        acceptRun(digits);
      }
      if (isAlphaNumeric(cs[i])) throw compileError(`bad number syntax: ${JSON.stringify(cs.slice(start, i + 1).join(""))}`); // prettier-ignore
      emit("Number", cs.slice(start, i).join(""));
    } else if (c === "?") emit("Operator", accept(".?") ? c + cs[i - 1] : c);
    else if (c === "/" && cs[i] === "/") while (i < cs.length && cs[i++] !== "\n");
    else if (c === "/" && cs[i] === "*") {
      const end = cs.join("").indexOf("*/", i + 1);
      if (end < 0) throw compileError("unclosed comment");
      i = end + 2;
    } else if (c === "|") emit("Operator", accept("|") ? "||" : "|");
    else if ("([{)]}".includes(c)) emit("Bracket", c);
    else if (",:;%+-^#/".includes(c)) emit("Operator", c);
    else if ("&!=*<>".includes(c)) emit("Operator", accept("&=*") ? c + cs[i - 1] : c);
    else if (c === ".") emit("Operator", accept(".") ? ".." : ".");
    else if (isAlphaNumeric(c)) {
      while (isAlphaNumeric(cs[i])) i++;
      const word = cs.slice(start, i).join("");
      emit(word === "not" || WORD_OPERATORS.has(word) ? "Operator" : "Identifier", word);
    } else throw compileError(`unrecognized character: ${goRune(c)}`);
  }
  emit("EOF", "");
  return out;
}

const show = (t: Token) => (t.value === "" ? t.kind : `${t.kind}(${JSON.stringify(t.value)})`);

/** parser/parser.go parseSecondary, Number case (expr v1.15.5): "x" → hex int, ".eE" → float, else int. */
function numberLiteral(token: string): Node {
  const value = token.replaceAll("_", "");
  const tooLarge = (v: bigint) => v > 0x7fffffffffffffffn;
  if (value.includes("x")) {
    if (!/^0x[0-9a-fA-F]+$/.test(value) || tooLarge(BigInt(value))) {
      throw compileError(
        `invalid hex literal: strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`,
      );
    }
    return { k: "int", v: BigInt(value) };
  }
  if (/[.eE]/.test(value)) {
    const v = parseGoFloat(value);
    if (v === undefined) throw compileError(`invalid float literal: strconv.ParseFloat: parsing ${JSON.stringify(value)}: invalid syntax`); // prettier-ignore
    return { k: "float", v };
  }
  if (!/^[0-9]+$/.test(value) || tooLarge(BigInt(value))) {
    throw compileError(`invalid integer literal: strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`); // prettier-ignore
  }
  return { k: "int", v: BigInt(value) };
}

/**
 * Go strconv.ParseFloat(s, 64) for decimal text and the Inf/NaN spellings; undefined where Go returns an
 * error (syntax, or a finite literal beyond float64's range). Hex-float text is refused (undefined).
 */
export function parseGoFloat(s: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) return special[2]!.toLowerCase() === "nan" ? (special[1] ? undefined : NaN) : special[1] === "-" ? -Infinity : Infinity; // prettier-ignore
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined; // ErrRange
}

/** parser/parser.go (expr v1.15.5): precedence climbing, parsePrimary, parseSecondary, parsePostfixExpression. */
export function parseExpr(src: string): Node {
  if (Buffer.byteLength(src, "utf8") > MAX_EXPR_BYTES) {
    throw new DeployError("ROLLOUTS_EXPR_LIMIT", `condition is longer than ${MAX_EXPR_BYTES} bytes`);
  }
  const tokens = lex(src);
  let pos = 0;
  let depth = 0;
  const cur = () => tokens[pos]!;
  const is = (kind: Kind, value?: string) =>
    cur().kind === kind && (value === undefined || cur().value === value);
  const next = () => {
    if (pos + 1 >= tokens.length) throw compileError("unexpected end of expression");
    pos++;
  };
  const expect = (kind: Kind, value: string) => {
    if (!is(kind, value)) throw compileError(`unexpected token ${show(cur())}`);
    next();
  };

  function expression(precedence: number): Node {
    if (++depth > MAX_EXPR_DEPTH) throw new DeployError("ROLLOUTS_EXPR_LIMIT", `condition nests deeper than ${MAX_EXPR_DEPTH} levels`); // prettier-ignore
    if (precedence === 0 && is("Operator", "let")) throw unsupported("let");
    let left = primary();
    while (is("Operator")) {
      let negate = false;
      if (is("Operator", "not")) {
        next(); // "x not in y" is not(x in y) (parser.go:133-139, 169-175); "not" before another word fails
        if (!is("Operator", "in")) {
          if (has(BINARY, cur().value)) throw unsupported(`not ${cur().value}`);
          break;
        }
        negate = true;
      }
      const op = cur().value;
      if (!has(BINARY, op) || BINARY[op]! < precedence) {
        if (negate) throw unsupported("not in below a tighter operator"); // expr drops the "not" there
        break;
      }
      const p = BINARY[op]!;
      if (!SUPPORTED_BINARY.has(op)) throw unsupported(`operator ${op}`);
      next();
      const right = expression(op === "**" || op === "^" ? p : p + 1); // ** and ^ are right-associative
      left = { k: "binary", op: op as BinaryOp, l: left, r: right };
      if (negate) left = { k: "unary", op: "not", x: left };
    }
    if (precedence === 0 && is("Operator", "?")) throw unsupported("the conditional operator ?:");
    depth--;
    return left;
  }

  function primary(): Node {
    const token = cur();
    if (token.kind === "Operator" && has(UNARY, token.value)) {
      next();
      const x = expression(UNARY[token.value]!);
      return postfix({ k: "unary", op: token.value as "-" | "+" | "!" | "not", x });
    }
    if (is("Bracket", "(")) {
      next();
      const x = expression(0);
      expect("Bracket", ")");
      return postfix(x);
    }
    if (is("Operator", "#") || is("Operator", "."))
      throw compileError("cannot use pointer accessor outside closure");
    return secondary();
  }

  function secondary(): Node {
    const token = cur();
    if (token.kind === "Identifier") {
      next();
      if (token.value === "true" || token.value === "false") return { k: "bool", v: token.value === "true" };
      if (token.value === "nil") return { k: "nil" };
      if (!is("Bracket", "(")) return postfix({ k: "ident", name: token.value });
      if (PREDICATES.has(token.value)) throw unsupported(`${token.value}()`);
      next();
      const args: Node[] = [];
      while (!is("Bracket", ")")) {
        if (args.length > 0) expect("Operator", ",");
        args.push(expression(0));
      }
      next();
      return postfix({ k: "call", name: token.value, args });
    }
    if (token.kind === "Number") return (next(), numberLiteral(token.value)); // literals take no postfix
    if (token.kind === "String") return (next(), { k: "str", v: token.value });
    if (is("Bracket", "[")) throw unsupported("array literals");
    if (is("Bracket", "{")) throw unsupported("map literals");
    throw compileError(`unexpected token ${show(token)}`);
  }

  function postfix(node: Node): Node {
    for (;;) {
      if (is("Operator", "?.")) throw unsupported("optional chaining ?.");
      if (is("Operator", ".")) {
        // x.name is a member node with a string property, checked like x["name"] (parser.go:516-557)
        next();
        const property = cur();
        next();
        if (
          property.kind !== "Identifier" &&
          !(property.kind === "Operator" && /^[_$\p{L}][_$\p{L}\p{Nd}]*$/u.test(property.value))
        ) {
          throw compileError("expected name");
        }
        if (is("Bracket", "(")) throw unsupported("method calls");
        node = { k: "index", x: node, i: { k: "str", v: property.value } };
        continue;
      }
      if (!is("Bracket", "[")) return node;
      next();
      if (is("Operator", ":")) throw unsupported("slices");
      const i = expression(0);
      if (is("Operator", ":")) throw unsupported("slices");
      expect("Bracket", "]");
      node = { k: "index", x: node, i };
    }
  }

  const tree = expression(0);
  if (!is("EOF")) throw compileError(`unexpected token ${show(cur())}`);
  return tree;
}
