import { models } from "@lockstep/models";
import { VerifyError } from "./errors.js";

const MAX_OVERRIDES = 32;
const MAX_URI = 2048;

/** A relative tolerance from "0.01" or "1%": above 0, below 1. */
export function parseTolerance(text: string): number {
  const trimmed = text.trim();
  const percent = trimmed.endsWith("%");
  const number = /^\d+(\.\d+)?(e-?\d+)?$/i.test(percent ? trimmed.slice(0, -1) : trimmed)
    ? Number(percent ? trimmed.slice(0, -1) : trimmed) / (percent ? 100 : 1)
    : Number.NaN;
  if (!(number > 0 && number < 1))
    throw new VerifyError(
      "VERIFY_INPUT",
      `tolerance must be a relative difference above 0 and below 1, like 0.01 or 1%, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  return number;
}

/**
 * Evaluation data mirrors from `model=uri` entries (one per line or repeated option), for pins whose
 * dataset is not reachable where verification runs. Each model at most once.
 */
export function parseDataOverrides(entries: readonly string[]): Record<string, string> {
  const lines = entries
    .flatMap((e) => e.split(/\r?\n/))
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length > MAX_OVERRIDES)
    throw new VerifyError("VERIFY_INPUT", `at most ${MAX_OVERRIDES} data overrides, got ${lines.length}`);
  const overrides: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf("=");
    const model = at > 0 ? line.slice(0, at).trim() : "";
    const uri = at > 0 ? line.slice(at + 1).trim() : "";
    if (!model || !uri)
      throw new VerifyError(
        "VERIFY_INPUT",
        `data override ${JSON.stringify(line.slice(0, 80))} is not model=uri`,
      );
    if (!Object.hasOwn(models, model))
      throw new VerifyError(
        "VERIFY_INPUT",
        `data override for unknown model "${model.slice(0, 80)}" (known: ${Object.keys(models).join(", ")})`,
      );
    // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
    if (uri.length > MAX_URI || /[\u0000-\u001f]/.test(uri))
      throw new VerifyError(
        "VERIFY_INPUT",
        `data override for ${model}: the URI is too long or has control characters`,
      );
    if (Object.hasOwn(overrides, model))
      throw new VerifyError("VERIFY_INPUT", `data override for ${model} given twice`);
    overrides[model] = uri;
  }
  return overrides;
}
