/** What the batcher needs of a request's cancellation: an AbortSignal fits, so does a Cancellation. */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/**
 * A one-shot cancellation for one request. An AbortController (an EventTarget underneath) costs
 * several microseconds to create and listen to on Node 20, which at tens of thousands of requests a
 * second is a measurable share of the server thread; this is a plain object with the same shape.
 */
export class Cancellation implements CancelSignal {
  aborted = false;
  reason: Error | undefined;
  private listeners: (() => void)[] | undefined;

  addEventListener(_type: "abort", listener: () => void): void {
    if (this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index >= 0) this.listeners!.splice(index, 1);
  }

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) listener();
  }
}
