/** Bytes every pool together may keep for reuse (the serving memory budget sets it at start). */
let poolBytes = 8 * 1024 * 1024;
let keptBytes = 0;

/** Bounds the bytes all buffer pools keep together; a returned buffer beyond it is let go. */
export function setBufferPoolBytes(bytes: number): void {
  poolBytes = bytes;
}

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
    const reused = this.free.pop();
    if (reused) keptBytes -= reused.length;
    const buffer = reused ?? new Uint8Array(this.length);
    let returned = false;
    return {
      buffer,
      release: () => {
        if (returned) return;
        returned = true;
        // a buffer moved to another thread comes back detached (length 0): let it go
        // and one that would take all pools past their shared budget is let go too
        if (
          buffer.length === this.length &&
          this.free.length < this.keep &&
          keptBytes + buffer.length <= poolBytes
        ) {
          this.free.push(buffer);
          keptBytes += buffer.length;
        }
      },
    };
  }

  /** Buffers waiting to be handed out again. */
  get available(): number {
    return this.free.length;
  }
}
