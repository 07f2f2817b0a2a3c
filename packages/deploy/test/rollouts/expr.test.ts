import { describe, expect, it } from "vitest";
import { DeployError, evalCondition, isArgoExprError, parseDuration } from "../../src/index.js";

/** The DeployError code and message a condition raises. */
function failure(condition: string, result: number | number[]): string {
  try {
    evalCondition(condition, result);
  } catch (error) {
    expect(error).toBeInstanceOf(DeployError);
    return `${(error as DeployError).code}: ${(error as Error).message}`;
  }
  throw new Error(`${condition} did not fail`);
}

// the conditions packages/deploy/src/objects/analysis.ts renders
const success = "len(result) > 0 && result[0] <= 0.05";
const failed = "len(result) > 0 && result[0] > 0.05";

describe("evalCondition: what Argo's conditions evaluate to", () => {
  it("judges the rendered conditions on a vector of one, an empty vector and NaN", () => {
    expect([evalCondition(success, [0.01]), evalCondition(failed, [0.01])]).toEqual([true, false]);
    expect([evalCondition(success, [0.2]), evalCondition(failed, [0.2])]).toEqual([false, true]);
    // && short-circuits (vm OpJumpIfFalse), so result[0] is never read from an empty vector
    expect([evalCondition(success, []), evalCondition(failed, [])]).toEqual([false, false]);
    // every ordered comparison with NaN is false
    expect([evalCondition(success, [NaN]), evalCondition(failed, [NaN])]).toEqual([false, false]);
  });

  it("mirrors utils/evaluate/evaluate_test.go (v1.7.2)", () => {
    expect(evalCondition("result > 1", 5)).toBe(true); // TestEvaluateFloat64
    expect(evalCondition("2 in result", [2, 2])).toBe(true); // TestEvaluateInOperator
    expect(evalCondition("asInt(result) == 1", 1.123)).toBe(true); // TestEvaluateAsInt
    expect(evalCondition("asFloat(result) == 1.1", 1.1)).toBe(true); // TestEvaluateAsFloat
    expect(failure("1", 0)).toBe("ROLLOUTS_EXPR_RUNTIME: expected bool, but got int"); // TestErrorWithNonBoolReturn
    expect(failure("invalidVariable", 0)).toBe("ROLLOUTS_EXPR_COMPILE: unknown name invalidVariable"); // TestErrorWithInvalidReference
    expect(failure('asFloat(result) == "1.1"', 1.1)).toBe(
      "ROLLOUTS_EXPR_COMPILE: invalid operation: == (mismatched types float64 and string)", // TestEvaluateAsFloatError
    );
  });

  it("raises expr's errors for an index out of range and for type mismatches", () => {
    expect(failure("result[0] <= 0.05", [])).toBe("ROLLOUTS_EXPR_RUNTIME: reflect: slice index out of range");
    expect(failure("result[2] > 0", [1, 2])).toBe("ROLLOUTS_EXPR_RUNTIME: reflect: slice index out of range");
    expect(evalCondition("result[-1] == 2", [1, 2])).toBe(true); // runtime.Fetch counts negative indexes from the end
    expect(failure("result > 1", [1])).toBe(
      "ROLLOUTS_EXPR_COMPILE: invalid operation: > (mismatched types []float64 and int)",
    );
    expect(failure("result[0] > 1", 1)).toBe("ROLLOUTS_EXPR_COMPILE: type float64[int] is undefined");
    expect(failure("result[0.5] > 1", [1])).toBe(
      "ROLLOUTS_EXPR_COMPILE: array elements can only be selected using an integer (got float64)",
    );
    expect(failure("len(result) > 0", 1)).toBe(
      "ROLLOUTS_EXPR_COMPILE: invalid argument for len (type float64)",
    );
    expect(failure("result && true", 1)).toBe(
      "ROLLOUTS_EXPR_COMPILE: invalid operation: && (mismatched types float64 and bool)",
    );
    expect(failure("!result", 1)).toBe(
      "ROLLOUTS_EXPR_COMPILE: invalid operation: ! (mismatched type float64)",
    );
    expect(failure("result.foo > 1", 1)).toBe("ROLLOUTS_EXPR_COMPILE: type float64[string] is undefined");
    expect(failure("isNaN(result)", [1])).toBe(
      "ROLLOUTS_EXPR_COMPILE: cannot use []float64 as argument (type float64) to call isNaN ",
    );
    expect(failure("isNaN()", 1)).toBe("ROLLOUTS_EXPR_COMPILE: not enough arguments to call isNaN");
    expect(failure("len(result)", [1])).toBe("ROLLOUTS_EXPR_RUNTIME: expected bool, but got int");
    expect(isArgoExprError(new DeployError("ROLLOUTS_EXPR_RUNTIME", "x"))).toBe(true);
    expect(isArgoExprError(new DeployError("ROLLOUTS_EXPR_UNSUPPORTED", "x"))).toBe(false);
  });

  it("folds constants first, as expr's optimizer does (optimizer/fold.go)", () => {
    // "x && false" folds to false, so x is never run; "false || x" runs x
    expect(evalCondition("result[0] > 1 && false", [])).toBe(false);
    expect(evalCondition("true || result[0] > 1", [])).toBe(true);
    expect(failure("false || result[0] > 1", [])).toBe(
      "ROLLOUTS_EXPR_RUNTIME: reflect: slice index out of range",
    );
    // a constant "% 0" fails at compile time even where it would never run
    expect(failure("false && 1 % (1 - 1) == 0", 1)).toBe("ROLLOUTS_EXPR_COMPILE: integer divide by zero");
    expect(failure("len(result) % 0 == 0", [1])).toBe(
      "ROLLOUTS_EXPR_RUNTIME: runtime error: integer divide by zero",
    );
  });

  it("has word and symbol forms of the logical operators, with expr's precedence", () => {
    expect(evalCondition("result[0] >= 0.95 and result[0] < 1", [0.97])).toBe(true);
    expect(evalCondition("result < 0 or result > 10", 11)).toBe(true);
    expect(evalCondition("not (result > 1)", 0)).toBe(true);
    expect(evalCondition("!(result > 1) || false", 2)).toBe(false);
    // unary not binds tighter than comparison: (not result) > 1 is a type error
    expect(failure("not result > 1", 2)).toBe(
      "ROLLOUTS_EXPR_COMPILE: invalid operation: not (mismatched type float64)",
    );
    expect(evalCondition("true || false && false", 0)).toBe(true); // && before ||
    expect(evalCondition("3 not in result", [1, 2])).toBe(true);
  });

  it("does arithmetic as Go does: int and float64, / always float, wrapping ints", () => {
    expect(evalCondition("(result[0] + result[1]) / 2 == 1.5", [1, 2])).toBe(true);
    expect(evalCondition("3 / 2 == 1.5", 0)).toBe(true);
    expect(evalCondition("7 % 3 == 1 && -7 % 3 == -1", 0)).toBe(true);
    expect(evalCondition("2 ** 3 ** 2 == 512", 0)).toBe(true); // ** is right-associative
    expect(evalCondition("-result * 100 < -5", 0.06)).toBe(true);
    expect(evalCondition("9223372036854775807 + len(result) < 0", [1])).toBe(true);
    expect(evalCondition("1 / 0 > 1e308 && result != result", NaN)).toBe(true);
    expect(evalCondition("1_000 == 1e3 && 0x10 == 16 && .5 == 0.5", 0)).toBe(true);
    expect(evalCondition("'a' + \"b\" == 'ab' && 'a\\tb' < 'b'", 0)).toBe(true);
  });

  it("has Argo's functions: isNaN, isInf, asInt, asFloat, isNil, default (evaluate.go:63-71)", () => {
    expect(evalCondition("isNaN(result)", NaN)).toBe(true);
    expect(evalCondition("isNaN(result[0]) || isInf(result[1])", [1, -Infinity])).toBe(true);
    expect(evalCondition("!isNaN(1)", 0)).toBe(true); // an integer literal becomes float64 for a float64 parameter
    expect(failure("isNaN(len(result))", [1])).toBe(
      "ROLLOUTS_EXPR_RUNTIME: interface conversion: interface {} is int, not float64",
    );
    expect(evalCondition("asInt('42') == 42 && asFloat('0.5') == 0.5 && asInt(result) == -2", -2.9)).toBe(
      true,
    );
    expect(failure("asInt('x') == 1", 0)).toBe(
      'ROLLOUTS_EXPR_RUNTIME: strconv.ParseInt: parsing "x": invalid syntax',
    );
    expect(evalCondition("default(result, 0)[0] == 3 && !isNil(result)", [3])).toBe(true);
    expect(evalCondition("abs(result) == 2 && abs(-2) == 2", -2)).toBe(true);
  });
});

describe("evalCondition refuses hostile and unported input with typed errors", () => {
  it("refuses a condition over 4 KiB and deep nesting", () => {
    expect(failure(`result > ${"1".repeat(4100)}`, 0)).toBe(
      "ROLLOUTS_EXPR_LIMIT: condition is longer than 4096 bytes",
    );
    expect(failure(`${"(".repeat(100)}true${")".repeat(100)}`, 0)).toMatch(
      /^ROLLOUTS_EXPR_LIMIT: .*nests deeper/,
    );
    expect(failure(`${"!".repeat(200)}true`, 0)).toMatch(/^ROLLOUTS_EXPR_LIMIT/);
    expect(evalCondition(`${"(".repeat(20)}true${")".repeat(20)}`, 0)).toBe(true);
  });

  it("knows no name but result and Argo's functions: never JavaScript's", () => {
    for (const name of ["foo", "constructor", "__proto__", "toString", "process", "globalThis"]) {
      expect(failure(`${name} == 1`, 0)).toBe(`ROLLOUTS_EXPR_COMPILE: unknown name ${name}`);
    }
    expect(failure("constructor.constructor('return 1')() == 1", 0)).toMatch(
      /^ROLLOUTS_EXPR_(COMPILE|UNSUPPORTED)/,
    );
    expect(failure("result(1)", 1)).toBe("ROLLOUTS_EXPR_COMPILE: float64 is not callable");
  });

  it("raises expr's syntax errors", () => {
    expect(failure("result >", 1)).toBe("ROLLOUTS_EXPR_COMPILE: unexpected token EOF");
    expect(failure("(result > 1", 1)).toBe("ROLLOUTS_EXPR_COMPILE: unexpected token EOF");
    expect(failure("result @ 1", 1)).toBe("ROLLOUTS_EXPR_COMPILE: unrecognized character: U+0040 '@'");
    expect(failure("'open", 1)).toBe("ROLLOUTS_EXPR_COMPILE: literal not terminated");
    expect(failure("result = 1", 1)).toBe('ROLLOUTS_EXPR_COMPILE: unexpected token Operator("=")');
    expect(failure("0X10 == 16", 1)).toMatch(/^ROLLOUTS_EXPR_COMPILE: invalid integer literal/);
    expect(failure("1abc", 1)).toBe('ROLLOUTS_EXPR_COMPILE: bad number syntax: "1a"');
  });

  it("refuses valid expr outside the ported subset rather than guess", () => {
    for (const condition of [
      "result[0] in [1, 2]",
      "all(result, {# > 1})",
      "filter(result, # > 1) == nil",
      "max(result[0], 1) > 0",
      "result > 1 ? true : false",
      "result ?? 1",
      "result[0:1] == result",
      "let x = 1; x > 0",
      "'abc' matches 'a'",
      "result | len() > 0",
      "1..3 == nil",
    ]) {
      expect(failure(condition, [1]), condition).toMatch(/^ROLLOUTS_EXPR_UNSUPPORTED/);
    }
  });
});

describe("parseDuration: Go time.ParseDuration", () => {
  it("reads the durations Argo accepts", () => {
    expect(
      ["30s", "1m", "1m30s", "500ms", "2h", "1.5h", "0", "-1s", "1.s", "100us", "1µs"].map(parseDuration),
    ).toEqual([30_000, 60_000, 90_000, 500, 7_200_000, 5_400_000, 0, -1000, 1000, 0.1, 0.001]);
  });

  it("refuses what Go refuses with a typed error", () => {
    const refusal = (text: string) => {
      try {
        parseDuration(text);
      } catch (error) {
        expect(error).toBeInstanceOf(DeployError);
        return `${(error as DeployError).code}: ${(error as Error).message}`;
      }
      throw new Error("accepted");
    };
    expect(refusal("")).toBe('ROLLOUTS_DURATION_INVALID: time: invalid duration ""');
    expect(refusal("30")).toBe('ROLLOUTS_DURATION_INVALID: time: missing unit in duration "30"');
    expect(refusal("1d")).toBe('ROLLOUTS_DURATION_INVALID: time: unknown unit "d" in duration "1d"');
    expect(refusal(".s")).toBe('ROLLOUTS_DURATION_INVALID: time: invalid duration ".s"');
    expect(refusal("1 s")).toBe('ROLLOUTS_DURATION_INVALID: time: unknown unit " s" in duration "1 s"');
    expect(refusal("9223372036854775808ns")).toMatch(/invalid duration/);
  });
});
