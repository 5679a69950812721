import { describe, expect, it } from "vitest";
import { AllocationBitmap, staticBandSize } from "./bitmap";
import { KUBERNETES_SERVICE_IP, ServiceIPRange } from "./cluster-ip";
import { NodePortRange } from "./node-port";

describe("allocation bitmap", () => {
  it("takes each item once, frees it, and survives its stored form", () => {
    const b = new AllocationBitmap(20);
    expect(b.allocate(3)).toBe(true);
    expect(b.allocate(3)).toBe(false);
    expect(b.allocate(20)).toBe(false);
    expect(b.allocate(-1)).toBe(false);
    b.allocate(19);
    const copy = AllocationBitmap.fromBase64(20, b.toBase64());
    expect([...copy.allocated()]).toEqual([3, 19]);
    copy.release(3);
    expect(copy.has(3)).toBe(false);
    expect(b.has(3)).toBe(true);
    expect(copy.count()).toBe(1);
  });

  it("hands out the upper band first, then the static band, then says it is full", () => {
    const b = new AllocationBitmap(10);
    const got = Array.from({ length: 10 }, () => b.allocateNext(4, Math.random));
    expect(got.slice(0, 6).every((i) => i! >= 4)).toBe(true);
    expect(got.slice(6).every((i) => i! < 4)).toBe(true);
    expect(new Set(got).size).toBe(10);
    expect(b.allocateNext(4)).toBeUndefined();
  });

  it("ignores bits past its size in a stored bitmap of a larger range", () => {
    const big = new AllocationBitmap(16);
    big.allocate(2);
    big.allocate(12);
    expect([...AllocationBitmap.fromBase64(10, big.toBase64()).allocated()]).toEqual([2]);
  });

  it("sizes the static band as Kubernetes does", () => {
    expect(staticBandSize(65534, 16, 16, 256)).toBe(256);
    expect(staticBandSize(2768, 16, 32, 128)).toBe(86);
    expect(staticBandSize(14, 16, 16, 256)).toBe(16);
  });
});

describe("service ranges", () => {
  it("maps 10.96.0.0/16 to offsets without the network and broadcast addresses", () => {
    const r = new ServiceIPRange();
    expect(r.size).toBe(65534);
    expect(r.first()).toBe(KUBERNETES_SERVICE_IP);
    expect(r.offsetOf("10.96.0.1")).toBe(0);
    expect(r.ipAt(r.offsetOf("10.96.200.17")!)).toBe("10.96.200.17");
    for (const outside of ["10.96.0.0", "10.96.255.255", "10.97.0.1", "1.1.1.1", "nonsense"]) expect(r.offsetOf(outside)).toBeUndefined();
    expect(() => new ServiceIPRange("10.96.0.1/16")).toThrow(/IPv4 network/);
  });

  it("knows the node port range 30000-32767", () => {
    const r = new NodePortRange();
    expect(r.size).toBe(2768);
    expect(r.text).toBe("30000-32767");
    expect(r.contains(30000) && r.contains(32767)).toBe(true);
    expect(r.contains(29999) || r.contains(32768) || r.contains(30000.5)).toBe(false);
  });
});
