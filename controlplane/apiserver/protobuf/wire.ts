// A minimal reader for the protobuf wire format: varints, length-delimited fields and skipping.
// Every read is bounds-checked; malformed input throws WireError (never reads past the end).

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export interface FieldKey {
  field: number;
  wireType: number;
}

export class WireReader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a BigInt (up to 10 bytes, 64 bits, unsigned). */
  varintBig(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError("truncated varint");
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return result & 0xffffffffffffffffn;
    }
    throw new WireError("varint longer than 10 bytes");
  }

  /** int32/int64 as a JS number (two's complement; negative int32s are sign-extended to 64 bits). */
  int(): number {
    return Number(BigInt.asIntN(64, this.varintBig()));
  }

  /** A non-negative varint that must fit a safe integer (lengths, keys). */
  uint(): number {
    const v = this.varintBig();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new WireError("varint out of range");
    return Number(v);
  }

  bool(): boolean {
    return this.varintBig() !== 0n;
  }

  key(): FieldKey {
    const k = this.uint();
    const field = Math.floor(k / 8);
    if (field === 0) throw new WireError("field number 0");
    return { field, wireType: k % 8 };
  }

  /** The bytes of a length-delimited field (a view, not a copy). */
  bytes(): Uint8Array {
    const len = this.uint();
    if (len > this.end - this.pos) throw new WireError(`length ${len} runs past the end of the message`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    return Buffer.from(this.bytes()).toString("utf8");
  }

  double(): number {
    if (this.end - this.pos < 8) throw new WireError("truncated fixed64");
    const v = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 8).readDoubleLE(0);
    this.pos += 8;
    return v;
  }

  /** Skip a field's value of the given wire type. Groups (3, 4) are not used by Kubernetes. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varintBig();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.end - this.pos < n) throw new WireError("truncated fixed-width field");
    this.pos += n;
  }
}
