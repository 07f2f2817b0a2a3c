// The AnalysisTemplate's arguments: `{{args.NAME}}` substituted in every string of a metric, as Argo
// Rollouts v1.7.2 resolves them before the first measurement.
import { DeployError } from "../errors.js";

const unresolved = (message: string) => new DeployError("ROLLOUTS_ARGS_UNRESOLVED", message);

/**
 * Resolve `{{args.NAME}}` as Argo does (utils/template/template.go:52-100 with valyala/fasttemplate v1.2.2):
 * tags are trimmed; an unknown tag, an argument without a value, or a "{{" without "}}" is an error.
 */
export function substituteArgs(text: string, args: Readonly<Record<string, string | undefined>>): string {
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) throw unresolved(`argument "${name}" was not supplied`); // template.go:60-62
  }
  let out = "";
  let rest = text;
  let failure: string | undefined;
  for (;;) {
    const open = rest.indexOf("{{");
    if (open < 0) {
      if (failure !== undefined) throw unresolved(failure);
      return out + rest;
    }
    out += rest.slice(0, open);
    rest = rest.slice(open + 2);
    const close = rest.indexOf("}}");
    if (close < 0) throw unresolved(`Cannot find end tag="}}" in the template=${JSON.stringify(text)} starting from ${JSON.stringify(rest)}`); // prettier-ignore
    const tag = rest.slice(0, close);
    rest = rest.slice(close + 2);
    const name = tag.trim().replace(/^args\./, "");
    if (tag.trim().startsWith("args.") && Object.hasOwn(args, name)) out += args[name];
    else failure = `failed to resolve {{${tag}}}`; // template.go:88-100: the last unresolved tag is reported
  }
}

/** ResolveMetricArgs (utils/analysis/factory.go:112-128): every string in the metric, recursively. */
export function resolveMetricArgs<M>(metric: M, args: Readonly<Record<string, string | undefined>>): M {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return substituteArgs(v, args);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(metric) as M;
}
