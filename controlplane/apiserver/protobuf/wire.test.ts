import { describe, expect, it } from "vitest";
import { bytesField, intField, key, varint } from "./encode";
import { WireError, WireReader } from "./wire";

const reader = (...parts: Buffer[]) => new WireReader(Buffer.concat(parts));

describe("protobuf wire reader", () => {
  it("reads one-byte, multi-byte and maximal varints", () => {
    expect(reader(Buffer.from([0])).int()).toBe(0);
    expect(reader(Buffer.from([0x7f])).int()).toBe(127);
    expect(reader(Buffer.from([0x80, 0x01])).int()).toBe(128);
    expect(reader(Buffer.from([0xac, 0x02])).int()).toBe(300);
    expect(reader(varint(2 ** 40 + 5)).int()).toBe(2 ** 40 + 5);
    expect(reader(varint(Number.MAX_SAFE_INTEGER)).uint()).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("reads negative int32 and int64 values written as 10-byte two's complement", () => {
    expect(varint(-1).length).toBe(10);
    expect(reader(varint(-1)).int()).toBe(-1);
    expect(reader(varint(-2147483648)).int()).toBe(-2147483648);
    expect(reader(varint(-(2 ** 40))).int()).toBe(-(2 ** 40));
  });

  it("rejects a truncated varint and a varint longer than 10 bytes", () => {
    expect(() => reader(Buffer.from([0x80, 0x80])).int()).toThrow(WireError);
    expect(() => reader(Buffer.alloc(11, 0x80)).int()).toThrow(/longer than 10 bytes/);
  });

  it("rejects a length that runs past the end instead of reading beyond it", () => {
    const whole = bytesField(1, "hello");
    const r = reader(whole.subarray(0, whole.length - 1));
    r.key();
    expect(() => r.bytes()).toThrow(/runs past the end/);
    // a huge declared length
    const huge = reader(key(1, 2), varint(2 ** 50), Buffer.from("x"));
    huge.key();
    expect(() => huge.bytes()).toThrow(WireError);
  });

  it("reads strings whose length prefix needs two bytes", () => {
    const long = "x".repeat(300);
    const r = reader(bytesField(7, long));
    expect(r.key()).toEqual({ field: 7, wireType: 2 });
    expect(r.string()).toBe(long);
    expect(r.done()).toBe(true);
  });

  it("skips every wire type Kubernetes uses and rejects groups and field number 0", () => {
    const r = reader(
      intField(1, 99),
      key(2, 1), Buffer.alloc(8),
      bytesField(3, "abc"),
      key(4, 5), Buffer.alloc(4),
      intField(5, 7),
    );
    for (let i = 0; i < 4; i++) r.skip(r.key().wireType);
    expect(r.key().field).toBe(5);
    expect(r.int()).toBe(7);
    expect(() => reader(key(1, 3)).skip(3)).toThrow(/wire type 3/);
    expect(() => reader(Buffer.from([0x02])).key()).toThrow(/field number 0/);
    const shortFixed = reader(key(2, 1), Buffer.alloc(3));
    expect(() => shortFixed.skip(shortFixed.key().wireType)).toThrow(/truncated/);
  });

  it("stays inside a sub-range of the buffer", () => {
    const buf = Buffer.concat([intField(1, 1), intField(2, 2)]);
    const r = new WireReader(buf, 0, 2);
    expect(r.key().field).toBe(1);
    r.int();
    expect(r.done()).toBe(true);
  });
});
