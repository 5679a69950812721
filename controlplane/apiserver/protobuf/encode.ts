// Building blocks for writing protobuf bytes by hand (tests and tools that need a protobuf body,
// e.g. to check what the decoder makes of a given wire layout). Not a general encoder.
import { WIRE_BYTES, WIRE_VARINT } from "./wire";

/** A varint; negative numbers are written as 64-bit two's complement (10 bytes), like int32/int64. */
export function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

export function key(field: number, wireType: number): Buffer {
  return varint(field * 8 + wireType);
}

/** A varint field (int32, int64, bool, enum). */
export function intField(field: number, value: number | bigint | boolean): Buffer {
  return Buffer.concat([key(field, WIRE_VARINT), varint(typeof value === "boolean" ? (value ? 1 : 0) : value)]);
}

/** A length-delimited field: a string, bytes or an embedded message (given as its parts). */
export function bytesField(field: number, ...parts: (Buffer | string)[]): Buffer {
  const payload = Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
  return Buffer.concat([key(field, WIRE_BYTES), varint(payload.length), payload]);
}

/** One map<string, V> entry; value given as already encoded field 2 (or a string). */
export function mapEntry(field: number, k: string, value: Buffer | string): Buffer {
  return bytesField(field, bytesField(1, k), typeof value === "string" ? bytesField(2, value) : value);
}

/** A complete request body: "k8s\0" + runtime.Unknown {typeMeta, raw}. */
export function envelope(apiVersion: string, kind: string, raw: Buffer, contentEncoding = ""): Buffer {
  return Buffer.concat([
    Buffer.from("k8s\0", "latin1"),
    bytesField(1, bytesField(1, apiVersion), bytesField(2, kind)),
    bytesField(2, raw),
    bytesField(3, contentEncoding),
    bytesField(4, ""),
  ]);
}
