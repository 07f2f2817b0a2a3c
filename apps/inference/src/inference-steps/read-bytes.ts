import type { IncomingMessage } from "node:http";
import { HttpError } from "../errors.js";
import type { Reservation } from "./byte-budget.js";

export const tooLarge = (limit: number, what: string) =>
  // the unread rest makes the connection unusable, so tell the client to drop it
  new HttpError(413, "BODY_TOO_LARGE", `the ${what} exceeds ${limit} bytes`, { Connection: "close" });

const incomplete = (what: string) =>
  new HttpError(400, "BODY_INCOMPLETE", `the ${what} ended early: the client closed the connection`);

/** The body's length as declared by Content-Length, or undefined (chunked). Node's parser has checked its syntax. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const text = req.headers["content-length"];
  if (text === undefined) return undefined;
  const length = Number(text);
  return Number.isSafeInteger(length) && length >= 0 ? length : Number.POSITIVE_INFINITY;
}

export interface ReadOptions {
  /** Largest body of this kind. */
  limit: number;
  /** What the refusals call it: "JSON body", "image"... */
  what: string;
  /** The request's hold on the in-flight byte budget. */
  reservation: Reservation;
  /** Memory the body takes per byte while the request runs (a parsed or decoded copy beside it). */
  perByte: number;
  /** Called once the first `length` bytes are in, before the rest is read; may throw to refuse. */
  head?: { length: number; inspect(head: Buffer): void };
}

/**
 * Reads a body within its limit and the in-flight budget, refusing before any byte is read when
 * its declared length alone says no (413 over the limit, 413/503 over the budget). Bytes are held
 * against the budget as they arrive; a declared body lands in one buffer of its size (its pages
 * become resident only as they are written). A refusal stops reading: the answer closes the
 * connection, so nothing of the rest is kept.
 */
export function readBytes(req: IncomingMessage, options: ReadOptions): Promise<Buffer> {
  const { limit, what, reservation, perByte, head } = options;
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) return Promise.reject(tooLarge(limit, what));
  try {
    if (declared !== undefined) reservation.check(declared * perByte, `the ${what}`);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    // a declared body lands in one buffer of its size: no chunk list, no second copy by concat
    const whole = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    let inspected = head === undefined;
    const fail = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      if (total + chunk.length > limit) return fail(tooLarge(limit, what));
      try {
        reservation.add(chunk.length * perByte, `the ${what}`);
      } catch (error) {
        return fail(error);
      }
      if (whole) chunk.copy(whole, total);
      else chunks.push(chunk);
      total += chunk.length;
      if (!inspected && total >= head!.length) {
        inspected = true;
        try {
          const bytes = whole ?? Buffer.concat(chunks, total);
          head!.inspect(bytes.subarray(0, head!.length));
        } catch (error) {
          return fail(error);
        }
      }
    };
    const onEnd = () => {
      cleanup();
      if (whole) return resolve(total === whole.length ? whole : whole.subarray(0, total));
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    // a client that goes away mid-body is no server error: nothing to log with a stack
    const onGone = () => fail(incomplete(what));
    const cleanup = () => {
      req.off("data", onData).off("end", onEnd).off("error", onGone).off("close", onGone);
    };
    req.on("data", onData).on("end", onEnd).on("error", onGone).on("close", onGone);
  });
}
