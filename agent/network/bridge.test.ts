import { describe, expect, it } from "vitest";
import { checkCIDR, gatewayOf } from "./bridge";

describe("the pod bridge's addresses", () => {
  it("puts the gateway on the pod CIDR's first address", () => {
    expect(gatewayOf("10.244.1.0/24")).toBe("10.244.1.1");
    expect(gatewayOf("10.200.0.0/16")).toBe("10.200.0.1");
    expect(gatewayOf("10.252.200.128/25")).toBe("10.252.200.129");
  });

  it("refuses what is not an IPv4 network of /8 to /30, saying why", () => {
    expect(() => checkCIDR("10.244.1.5/24")).toThrow('pod CIDR "10.244.1.5/24" has host bits set (the network is 10.244.1.0/24)');
    expect(() => checkCIDR("10.244.1.0")).toThrow("must be an IPv4 CIDR of /8 to /30");
    expect(() => checkCIDR("10.244.1.0/31")).toThrow("must be an IPv4 CIDR of /8 to /30");
    expect(() => checkCIDR("10.256.1.0/24")).toThrow("must be an IPv4 CIDR");
    expect(() => checkCIDR("fd00::/64")).toThrow("must be an IPv4 CIDR");
    expect(checkCIDR("10.0.0.0/8")).toBe("10.0.0.0/8");
  });
});
