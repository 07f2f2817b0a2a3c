import { HttpError } from "../errors.js";
import type { Metrics } from "../metrics.js";

/** Bytes one request holds against the budget; returning them twice returns them once. */
export interface Reservation {
  /** Bytes held now. */
  readonly bytes: number;
  /** Holds `bytes` more, or throws (413 alone over the whole budget, 503 when others hold the rest). */
  add(bytes: number, what: string): void;
  /** Throws as `add` would for `bytes` more, holding nothing: a declared size checked before reading. */
  check(bytes: number, what: string): void;
  release(): void;
}

/** A reservation against no budget: for readers outside the server (tests, tools). */
export const UNBOUNDED: Reservation = { bytes: 0, add() {}, check() {}, release() {} };

/**
 * The bytes all requests in flight may hold together: bodies as they are read, and the answers
 * they expect. A body whose declared length does not fit is refused before any byte is read (413
 * when it alone is over the whole budget, else 503 with Retry-After); one that stops fitting while
 * it arrives is refused then. Bytes are held as read, not as declared, so slow clients declaring
 * large bodies hold only what they sent. Memory stays bounded whatever the mix, nothing queues.
 */
export class ByteBudget {
  private held = 0;

  constructor(
    readonly maxBytes: number,
    private readonly metrics: Metrics,
  ) {}

  /** Bytes held by every request now. */
  get bytes(): number {
    return this.held;
  }

  /** A reservation holding nothing yet. */
  open(): Reservation {
    return new Held(this);
  }

  /** Holds `bytes` for a request already holding `mine` (throws when they do not fit). */
  hold(mine: number, bytes: number, what: string): void {
    this.refuse(mine + bytes, bytes, what);
    this.held += bytes;
    this.metrics.inFlightBytes.set(this.held);
  }

  /** Checks as `hold` does, holding nothing. */
  check(mine: number, bytes: number, what: string): void {
    this.refuse(mine + bytes, bytes, what);
  }

  giveBack(bytes: number): void {
    this.held -= bytes;
    this.metrics.inFlightBytes.set(this.held);
  }

  private refuse(total: number, bytes: number, what: string): void {
    if (total > this.maxBytes) {
      this.metrics.rejected.inc({ reason: "memory_budget" });
      throw new HttpError(
        413,
        "REQUEST_TOO_LARGE",
        `${what} needs ${total} bytes of memory, over this server's in-flight budget of ${this.maxBytes}: send less per request`,
      );
    }
    if (this.held + bytes > this.maxBytes) {
      this.metrics.rejected.inc({ reason: "memory_busy" });
      throw new HttpError(
        503,
        "MEMORY_BUSY",
        `requests in flight hold ${this.held} of this server's ${this.maxBytes} bytes; ${what} needs ${bytes} more: retry shortly`,
        { "Retry-After": "1" },
      );
    }
  }
}

/** One request's hold on the budget. */
class Held implements Reservation {
  private mine = 0;
  private released = false;

  constructor(private readonly budget: ByteBudget) {}

  get bytes(): number {
    return this.mine;
  }

  add(bytes: number, what: string): void {
    if (this.released || bytes <= 0) return;
    this.budget.hold(this.mine, bytes, what);
    this.mine += bytes;
  }

  check(bytes: number, what: string): void {
    if (!this.released && bytes > 0) this.budget.check(this.mine, bytes, what);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.giveBack(this.mine);
    this.mine = 0;
  }
}
