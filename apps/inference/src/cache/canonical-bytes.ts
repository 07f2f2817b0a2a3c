/**
 * A canonical byte encoding of a parsed JSON value, for cache keys: equal values give equal bytes
 * whatever their key order, whitespace or number spelling (`1`, `1.0`, `1e0`; `-0` is `0`), and
 * different values give different bytes. Numbers go in as their 8 IEEE-754 bytes, not as text:
 * formatting doubles cost more than the request it keyed (see bench/RESULTS.md, "Figures behind
 * code decisions").
 *
 * Layout: a tag byte per value; numbers f64 LE; strings u32 byte length + UTF-8; arrays u32 count +
 * items; objects u32 count + (key, value) pairs in code-unit order of the keys. Properties holding
 * `undefined` are skipped and array holes written as null, as JSON.stringify does.
 */
const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const NUMBER = 3;
const STRING = 4;
const ARRAY = 5;
const OBJECT = 6;

const INITIAL_BYTES = 16 * 1024;
/** A scratch buffer grown past this for one huge request is dropped afterwards, not kept. */
const KEEP_BYTES = 1024 * 1024;

// allocUnsafeSlow: a buffer of its own, not a slice of Node's shared pool
let scratch = Buffer.allocUnsafeSlow(INITIAL_BYTES);

class Writer {
  buf = scratch;
  view = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
  pos = 0;

  reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = Buffer.allocUnsafeSlow(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  tag(tag: number): void {
    this.reserve(1);
    this.buf[this.pos++] = tag;
  }

  count(tag: number, n: number): void {
    this.reserve(5);
    this.buf[this.pos] = tag;
    this.view.setUint32(this.pos + 1, n, true);
    this.pos += 5;
  }

  number(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`cannot encode the non-finite number ${value}`);
    this.reserve(9);
    this.buf[this.pos] = NUMBER;
    this.view.setFloat64(this.pos + 1, value === 0 ? 0 : value, true);
    this.pos += 9;
  }

  string(value: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit
    this.reserve(5 + 3 * value.length);
    const { buf } = this;
    const start = this.pos + 5;
    buf[this.pos] = STRING;
    // short ASCII strings (object keys, mostly) byte by byte: a native write per key cost more
    let length = 0;
    if (value.length <= 32) {
      for (; length < value.length; length++) {
        const code = value.charCodeAt(length);
        if (code >= 0x80) break;
        buf[start + length] = code;
      }
    }
    if (length < value.length) length = buf.write(value, start, "utf8");
    this.view.setUint32(this.pos + 1, length, true);
    this.pos = start + length;
  }

  value(value: unknown): void {
    switch (typeof value) {
      case "number":
        this.number(value);
        return;
      case "string":
        this.string(value);
        return;
      case "boolean":
        this.tag(value ? TRUE : FALSE);
        return;
      case "object":
        if (value === null) this.tag(NULL);
        else if (Array.isArray(value)) this.array(value);
        else this.object(value as Record<string, unknown>);
        return;
      case "undefined":
        this.tag(NULL);
        return;
      default:
        throw new TypeError(`cannot encode a ${typeof value} as JSON`);
    }
  }

  array(items: unknown[]): void {
    this.count(ARRAY, items.length);
    for (let i = 0; i < items.length; i++) this.value(items[i]);
  }

  object(object: Record<string, unknown>): void {
    if (ArrayBuffer.isView(object)) throw new TypeError("cannot encode a typed array as JSON");
    const keys = Object.keys(object);
    const values = Object.values(object);
    const order = orderOf(keys);
    let present = 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== undefined) present++;
    this.count(OBJECT, present);
    for (let i = 0; i < order.length; i++) {
      const item = values[order[i]!];
      if (item === undefined) continue;
      this.string(keys[order[i]!]!);
      this.value(item);
    }
  }
}

/**
 * Where each key goes in sorted order. Arrays of records repeat one shape (200 candles with the
 * same six keys), so the last shape's order is reused when the keys match it one for one.
 */
let lastKeys: string[] = [];
let lastOrder: number[] = [];
function orderOf(keys: string[]): number[] {
  if (keys.length === lastKeys.length) {
    let same = true;
    for (let i = 0; i < keys.length && same; i++) same = keys[i] === lastKeys[i];
    if (same) return lastOrder;
  }
  const order = keys
    .map((_, i) => i)
    .sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  lastKeys = keys;
  lastOrder = order;
  return order;
}

/**
 * The canonical bytes of `value`. The result is a view of a shared scratch buffer, valid until the
 * next call: hash or copy it straight away.
 */
export function canonicalBytes(value: unknown): Buffer {
  const writer = new Writer();
  try {
    writer.value(value);
  } finally {
    // keep a grown buffer for the next call unless one huge request grew it
    scratch = writer.buf.length <= KEEP_BYTES ? writer.buf : Buffer.allocUnsafeSlow(INITIAL_BYTES);
  }
  return writer.buf.subarray(0, writer.pos);
}
