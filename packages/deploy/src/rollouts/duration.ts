import { DeployError } from "../errors.js";

/*
 * Argo Rollouts reads `interval` and `initialDelay` with Go's time.ParseDuration:
 * pkg/apis/rollouts/v1alpha1/analysis_types.go:84-87 (v1.7.2), built with Go 1.21 (go.mod:3-5).
 * This is a port of Go 1.21 time/format.go ParseDuration: "[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+".
 */

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n, // U+00B5 micro sign
  "\u03bcs": 1_000n, // U+03BC Greek small letter mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX = 1n << 63n; // Go checks v > 1<<63 while accumulating, then d > 1<<63-1 for positive durations

function invalid(orig: string, reason = "invalid duration"): DeployError {
  return new DeployError("ROLLOUTS_DURATION_INVALID", `time: ${reason} ${JSON.stringify(orig)}`);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

/** Go time.ParseDuration, in nanoseconds. Throws DeployError ROLLOUTS_DURATION_INVALID as Go returns an error. */
export function parseDurationNs(orig: string): bigint {
  let s = orig;
  let neg = false;
  // a leading sign is consumed before the "0" special case (Go time/format.go)
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n; // the only unitless duration Go accepts
  if (s === "") throw invalid(orig);
  let d = 0n;
  while (s !== "") {
    // the next character must be [0-9.]
    if (!(s[0] === "." || isDigit(s[0]))) throw invalid(orig);
    // leadingInt: the integer part; overflow past 1<<63 is an error
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MAX) throw invalid(orig);
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // leadingFraction: digits after "." until they would overflow, then ignored
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
          if (y > MAX) overflow = true;
          else {
            f = y;
            scale *= 10;
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid(orig); // no digits (e.g. ".s")
    // the unit runs until the next [0-9.]
    let u = 0;
    while (u < s.length && !(s[u] === "." || isDigit(s[u]))) u++;
    if (u === 0) throw invalid(orig, "missing unit in duration");
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = NS_PER_UNIT[unitName];
    if (unit === undefined) {
      throw new DeployError(
        "ROLLOUTS_DURATION_INVALID",
        `time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(orig)}`,
      );
    }
    if (v > MAX / unit) throw invalid(orig); // overflow
    v *= unit;
    if (f > 0n) {
      // float64 arithmetic, truncated toward zero, exactly as Go's uint64(float64(f) * (float64(unit) / scale))
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX) throw invalid(orig);
    }
    d += v;
    if (d > MAX) throw invalid(orig);
  }
  if (neg) return -d;
  if (d > MAX - 1n) throw invalid(orig);
  return d;
}

/** Go time.ParseDuration in milliseconds (fractional below 1 ms). "30s" → 30000, "1m30s" → 90000, "500ms" → 500. */
export function parseDuration(text: string): number {
  return Number(parseDurationNs(text)) / 1e6;
}
