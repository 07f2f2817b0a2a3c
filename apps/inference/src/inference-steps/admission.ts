import { HttpError } from "../errors.js";
import type { Metrics } from "../metrics.js";

/** A taken slot; giving it back twice gives it back once. */
export interface Slot {
  leave(): void;
}

/**
 * Caps requests at one stage (bodies being received, or inference in progress), in all and per
 * client (remote address); beyond a cap the server sheds load at once with 503 + Retry-After
 * rather than queueing without bound, so one client cannot take every slot. Probes and metadata
 * never pass through here, so they keep answering under load.
 */
export class Admission {
  private inFlight = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    private readonly maxInFlight: number,
    private readonly metrics: Metrics,
    /** Slots one client may hold at once; 0 = no per-client cap (behind a proxy every client is the proxy). */
    private readonly maxPerClient = 0,
    /** What a slot is for, as the refusal says it and labels the rejected counter. */
    private readonly what: { noun: string; reason: string } = { noun: "requests", reason: "overloaded" },
  ) {}

  /** Takes a slot or throws 503 OVERLOADED. */
  enter(client = ""): Slot {
    if (this.inFlight >= this.maxInFlight) {
      this.metrics.rejected.inc({ reason: this.what.reason });
      throw new HttpError(
        503,
        "OVERLOADED",
        `the server is at its limit of ${this.maxInFlight} ${this.what.noun}`,
        {
          "Retry-After": "1",
        },
      );
    }
    const held = this.byClient.get(client) ?? 0;
    if (this.maxPerClient > 0 && held >= this.maxPerClient) {
      this.metrics.rejected.inc({ reason: "client_limit" });
      throw new HttpError(
        503,
        "CLIENT_LIMIT",
        `this client already has ${held} requests in progress, the most one client may have`,
        { "Retry-After": "1" },
      );
    }
    this.inFlight++;
    this.byClient.set(client, held + 1);
    let left = false;
    return {
      leave: () => {
        if (left) return;
        left = true;
        this.inFlight--;
        const now = (this.byClient.get(client) ?? 1) - 1;
        if (now > 0) this.byClient.set(client, now);
        else this.byClient.delete(client);
      },
    };
  }
}
