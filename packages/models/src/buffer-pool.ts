/**
 * Byte buffers of one size handed out again once returned. A serving adapter draws each request's
 * input pixels from one: a fresh 150 KB array per image is external memory that V8 counts toward
 * its next full collection, and at a few hundred images a second that was several mark-compacts a
 * second on the server thread. At most `keep` returned buffers wait here; a miss allocates.
 */
export class BufferPool {
  private readonly free: Uint8Array[] = [];

  constructor(
    readonly length: number,
    readonly keep = 32,
  ) {}

  /** A buffer of `length` bytes (contents unspecified) and the function that gives it back, once. */
  acquire(): { buffer: Uint8Array; release: () => void } {
    const buffer = this.free.pop() ?? new Uint8Array(this.length);
    let returned = false;
    return {
      buffer,
      release: () => {
        if (returned) return;
        returned = true;
        // a buffer moved to another thread comes back detached (length 0): let it go
        if (buffer.length === this.length && this.free.length < this.keep) this.free.push(buffer);
      },
    };
  }

  /** Buffers waiting to be handed out again. */
  get available(): number {
    return this.free.length;
  }
}
