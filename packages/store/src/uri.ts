import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { StoreError } from "./errors.js";
import { assertSha256, SHA256_HEX } from "./hash.js";

export const DEFAULT_STORE_URI = "file://.lockstep/store";

export type StoreLocation =
  { kind: "file"; root: string; uri: string } | { kind: "s3"; bucket: string; prefix: string; uri: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses a store URI. `file://relative/dir` (as in the design's `file://.lockstep/store`) is
 * relative to `baseDir`; `file:///abs` and plain paths are accepted too.
 */
export function parseStoreUri(input: string, baseDir = process.cwd()): StoreLocation {
  const uri = input.trim().replace(/\/+$/, "");
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (uri === "" || /[\u0000-\u001f]/.test(uri))
    throw new StoreError("STORE_URI", `invalid store URI ${JSON.stringify(input)}`);
  if (uri.startsWith("s3://")) {
    const [bucket = "", ...rest] = uri.slice(5).split("/");
    if (!BUCKET.test(bucket)) {
      throw new StoreError("STORE_URI", `invalid S3 bucket name ${JSON.stringify(bucket)} in ${input}`);
    }
    const prefix = rest.filter(Boolean).join("/");
    if (prefix.split("/").some((part) => part === ".." || part === ".")) {
      throw new StoreError("STORE_URI", `S3 prefix must not contain . or .. segments: ${input}`);
    }
    return { kind: "s3", bucket, prefix, uri: `s3://${bucket}${prefix ? `/${prefix}` : ""}` };
  }
  if (uri.startsWith("file:///")) {
    const root = fileURLToPath(uri);
    return { kind: "file", root, uri };
  }
  if (uri.startsWith("file://")) {
    const relative = uri.slice("file://".length);
    return { kind: "file", root: resolve(baseDir, relative), uri };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new StoreError("STORE_URI", `unsupported store scheme in ${input}: use file:// or s3://`);
  }
  const root = isAbsolute(uri) ? uri : resolve(baseDir, uri);
  return {
    kind: "file",
    root,
    uri: isAbsolute(uri) ? `file://${uri}` : `file://${uri.replace(/^\.\//, "")}`,
  };
}

/** Splits an artifact URI `<store>/sha256/<hex>` into its store URI and hash. */
export function parseArtifactUri(uri: string): { storeUri: string; sha256: string } {
  const match = /^(.*)\/sha256\/([^/]+)$/.exec(uri.trim());
  if (!match || !SHA256_HEX.test(match[2]!)) {
    throw new StoreError(
      "STORE_URI",
      `not an artifact URI (expected <store>/sha256/<64 hex>): ${JSON.stringify(uri)}`,
    );
  }
  return { storeUri: match[1]!, sha256: match[2]! };
}

export function artifactKey(sha256: string): string {
  assertSha256(sha256);
  return `sha256/${sha256}`;
}

/** The first prefix named objects live under (monitor reports); see NAMED_PREFIXES for all. */
export const NAMED_PREFIX = "reports/";
/**
 * The prefixes named objects live under: reports (monitor), runs (run records and their index),
 * data (data snapshots). Artifacts keep `sha256/`, so nothing named can shadow one.
 */
export const NAMED_PREFIXES = ["reports/", "runs/", "data/"] as const;
const NAMED_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_SEGMENTS = 8;

function namedSegments(key: string): string[] | undefined {
  if (typeof key !== "string") return undefined;
  const top = NAMED_PREFIXES.find((prefix) => key.startsWith(prefix));
  return top === undefined ? undefined : [top.slice(0, -1), ...key.slice(top.length).split("/")];
}

/**
 * Checks a named object's key: `reports/`, `runs/` or `data/`, then up to 8 plain segments (no
 * `..`, no empty parts, no absolute paths, backslashes or control characters).
 */
export function namedKey(key: string): string {
  const segments = namedSegments(key)?.slice(1) ?? [];
  if (
    segments.length === 0 ||
    segments.length > MAX_SEGMENTS ||
    !segments.every((s) => NAMED_SEGMENT.test(s))
  )
    throw new StoreError(
      "STORE_URI",
      `not a named object key (expected ${NAMED_PREFIXES.join(", ")} then <segment>/..., each of letters, digits, ".", "_" or "-"): ${JSON.stringify(String(key).slice(0, 200))}`,
    );
  return key;
}

/**
 * Checks a prefix to list named objects under: a named prefix (`runs/`), then whole segments, and
 * optionally the start of a last one (`runs/co2-forecast/2026-`). Returns it unchanged.
 */
export function namedPrefix(prefix: string): string {
  const segments = namedSegments(prefix)?.slice(1);
  const last = segments?.at(-1);
  const ok =
    segments !== undefined &&
    segments.length <= MAX_SEGMENTS &&
    segments.slice(0, -1).every((s) => NAMED_SEGMENT.test(s)) &&
    (last === "" || NAMED_SEGMENT.test(last ?? ""));
  if (!ok)
    throw new StoreError(
      "STORE_URI",
      `not a named object prefix (expected ${NAMED_PREFIXES.join(", ")} then plain segments): ${JSON.stringify(String(prefix).slice(0, 200))}`,
    );
  return prefix;
}

/** Whether a key found by a listing is a named object (foreign or temporary names are not). */
export function isNamedKey(key: string): boolean {
  const segments = namedSegments(key)?.slice(1) ?? [];
  return (
    segments.length > 0 && segments.length <= MAX_SEGMENTS && segments.every((s) => NAMED_SEGMENT.test(s))
  );
}
