import { HttpError } from "../errors.js";
import type { Metrics } from "../metrics.js";

/**
 * Caps the inference requests in progress; beyond the cap the server sheds load at once with
 * 503 + Retry-After rather than queueing without bound. Probes and metadata never pass through
 * here, so they keep answering under load.
 */
export class Admission {
  private inFlight = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly metrics: Metrics,
  ) {}

  /** Takes a slot (give it back with leave) or throws 503 OVERLOADED. */
  enter(): void {
    if (this.inFlight >= this.maxInFlight) {
      this.metrics.rejected.inc({ reason: "overloaded" });
      throw new HttpError(503, "OVERLOADED", `the server is at its limit of ${this.maxInFlight} requests`, {
        "Retry-After": "1",
      });
    }
    this.inFlight++;
  }

  leave(): void {
    this.inFlight--;
  }
}
