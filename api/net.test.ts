import { describe, expect, it } from "vitest";
import { cidrContainsCIDR, cidrContainsIP, formatCIDR, formatIP, parseCIDR, parseIP } from "./net";

describe("IP and CIDR numbers", () => {
  it("parses IPv4 and IPv6 (with ::, and an IPv4 tail) and refuses the rest", () => {
    expect(parseIP("10.244.1.2")).toEqual({ family: 4, value: 0x0af40102n });
    expect(parseIP("::1")).toEqual({ family: 6, value: 1n });
    expect(parseIP("::ffff:10.0.0.1")).toEqual({ family: 6, value: 0xffff0a000001n });
    for (const bad of ["10.244.1", "256.1.1.1", "fe80::1%eth0", "", "10.0.0.01x"]) expect(parseIP(bad), bad).toBeUndefined();
  });

  it("formats in canonical form, the longest zero run as ::", () => {
    expect(formatIP(parseIP("fd00:0:0:1:0:0:0:5")!)).toBe("fd00:0:0:1::5");
    expect(formatIP(parseIP("2001:db8::")!)).toBe("2001:db8::");
    expect(formatIP(parseIP("1:2:3:4:5:6:7:8")!)).toBe("1:2:3:4:5:6:7:8");
    expect(formatIP(parseIP("192.168.0.1")!)).toBe("192.168.0.1");
  });

  it("parses CIDRs, says when host bits are set, and answers containment", () => {
    const net = parseCIDR("10.244.0.0/16")!;
    expect(formatCIDR(parseCIDR("10.244.3.7/24")!)).toBe("10.244.3.0/24");
    expect(parseCIDR("10.244.3.7/24")!.hostBitsSet).toBe(true);
    expect(net.hostBitsSet).toBe(false);
    expect(cidrContainsIP(net, parseIP("10.244.255.1")!)).toBe(true);
    expect(cidrContainsIP(net, parseIP("10.245.0.1")!)).toBe(false);
    expect(cidrContainsCIDR(net, parseCIDR("10.244.8.0/21")!)).toBe(true);
    expect(cidrContainsCIDR(net, parseCIDR("10.0.0.0/8")!)).toBe(false);
    for (const bad of ["10.244.0.0", "10.244.0.0/33", "10.244.0.0/-1", "x/8", "fd00::/129"]) expect(parseCIDR(bad), bad).toBeUndefined();
  });
});
