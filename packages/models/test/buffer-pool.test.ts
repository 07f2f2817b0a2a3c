import { describe, expect, it } from "vitest";
import { BufferPool } from "../src/index.js";

describe("BufferPool", () => {
  it("hands a returned buffer out again, and allocates on a miss", () => {
    const pool = new BufferPool(16);
    const a = pool.acquire();
    const b = pool.acquire();
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.buffer).toHaveLength(16);
    a.release();
    expect(pool.available).toBe(1);
    expect(pool.acquire().buffer).toBe(a.buffer);
    expect(pool.available).toBe(0);
  });

  it("takes each buffer back once, however often its release is called", () => {
    const pool = new BufferPool(8);
    const a = pool.acquire();
    a.release();
    a.release();
    expect(pool.available).toBe(1);
    const first = pool.acquire();
    const second = pool.acquire();
    expect(first.buffer).not.toBe(second.buffer); // never the same buffer to two holders
  });

  it("keeps at most `keep` buffers and lets a detached one go", () => {
    const pool = new BufferPool(8, 2);
    const held = [pool.acquire(), pool.acquire(), pool.acquire()];
    for (const h of held) h.release();
    expect(pool.available).toBe(2);
    const moved = pool.acquire();
    const bytes = moved.buffer.buffer as ArrayBuffer;
    structuredClone(bytes, { transfer: [bytes] }); // moved to another thread
    moved.release();
    expect(pool.available).toBe(1);
    expect(pool.acquire().buffer).toHaveLength(8);
  });
});
