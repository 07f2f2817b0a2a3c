import { createHash } from "node:crypto";

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function assertSha256(value: string, what = "sha256"): void {
  if (!SHA256_HEX.test(value))
    throw new TypeError(`${what} must be 64 lowercase hex characters, got ${JSON.stringify(value)}`);
}
