import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CidrSet } from "./cidr-set";

describe("CidrSet (the node IPAM bitmap)", () => {
  it("hands out the /24s of a /16 in order", () => {
    const set = new CidrSet("10.244.0.0/16", 24);
    expect(set.size).toBe(256);
    expect([set.allocateNext(), set.allocateNext(), set.allocateNext()]).toEqual(["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]);
    expect(set.free()).toBe(253);
  });

  it("skips what is occupied, and reuses a released subnet once it comes round again", () => {
    const set = new CidrSet("10.244.0.0/22", 24);
    expect(set.occupy("10.244.1.0/24")).toBe(true);
    expect(set.allocateNext()).toBe("10.244.0.0/24");
    expect(set.allocateNext()).toBe("10.244.2.0/24");
    expect(set.allocateNext()).toBe("10.244.3.0/24");
    expect(set.allocateNext()).toBeUndefined();
    expect(set.release("10.244.0.0/24")).toBe(true);
    expect(set.free()).toBe(1);
    expect(set.allocateNext()).toBe("10.244.0.0/24");
  });

  it("is exhausted after size allocations, never giving one subnet twice", () => {
    const set = new CidrSet("10.0.0.0/20", 26);
    const got = new Set<string>();
    for (let i = 0; i < set.size; i++) got.add(set.allocateNext()!);
    expect(got.size).toBe(64);
    expect(set.allocateNext()).toBeUndefined();
  });

  it("refuses CIDRs outside the range or of another family, and marks all subnets a bigger CIDR covers", () => {
    const set = new CidrSet("10.244.0.0/16", 24);
    expect(set.occupy("10.245.0.0/24")).toBe(false);
    expect(set.occupy("fd00::/64")).toBe(false);
    expect(set.occupy("garbage")).toBe(false);
    expect(set.occupy("10.244.4.0/23")).toBe(true);
    expect([set.isUsed("10.244.4.0/24"), set.isUsed("10.244.5.0/24"), set.isUsed("10.244.6.0/24")]).toEqual([true, true, false]);
    expect(set.free()).toBe(254);
  });

  it("works for IPv6 and refuses bad configurations with a clear error", () => {
    const set = new CidrSet("fd00:10:244::/56", 64);
    expect([set.allocateNext(), set.allocateNext()]).toEqual(["fd00:10:244::/64", "fd00:10:244:1::/64"]);
    expect(() => new CidrSet("10.244.0.0/16", 8)).toThrow(/does not fit/);
    expect(() => new CidrSet("10.0.0.0/8", 28)).toThrow(/too big .* at most \/24/);
    expect(() => new CidrSet("10.244.0.0", 24)).toThrow(/invalid cluster CIDR/);
  });
});

describe("CidrSet against a model (property, fixed seed)", () => {
  it("never hands out a subnet in use, counts free ones right, and allocates whenever one is free", () => {
    const op = fc.oneof(fc.constant({ kind: "allocate" as const }), fc.record({ kind: fc.constantFrom("occupy" as const, "release" as const), index: fc.integer({ min: 0, max: 15 }) }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const set = new CidrSet("10.244.0.0/20", 24);
        const used = new Set<string>();
        for (const o of ops) {
          if (o.kind === "allocate") {
            const got = set.allocateNext();
            if (used.size === 16) expect(got).toBeUndefined();
            else {
              expect(got).toBeDefined();
              expect(used.has(got!)).toBe(false);
              used.add(got!);
            }
          } else {
            const cidr = `10.244.${o.index}.0/24`;
            if (o.kind === "occupy") {
              set.occupy(cidr);
              used.add(cidr);
            } else {
              set.release(cidr);
              used.delete(cidr);
            }
          }
          expect(set.free()).toBe(16 - used.size);
        }
      }),
      { seed: 20261201, numRuns: 300 },
    );
  });
});
