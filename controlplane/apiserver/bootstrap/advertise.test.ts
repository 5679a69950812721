import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { advertiseAddress, splitHostPort } from "./advertise";
import { desiredSlice, endpointSubsets, listedServers, repairedService, desiredService } from "./kubernetes-service";

const nic = (address: string, family: "IPv4" | "IPv6", internal: boolean) => ({ address, family, internal }) as NetworkInterfaceInfo;
const host = { lo: [nic("127.0.0.1", "IPv4", true)], eth0: [nic("fe80::1", "IPv6", false), nic("192.168.1.7", "IPv4", false)] };

describe("the advertised address", () => {
  it("is the given one, else the listen host, else the first non-loopback IPv4 when listening on every address", () => {
    expect(advertiseAddress("127.0.0.1", "10.0.0.2", host)).toBe("10.0.0.2");
    expect(advertiseAddress("127.0.0.5", undefined, host)).toBe("127.0.0.5");
    expect(advertiseAddress("0.0.0.0", undefined, host)).toBe("192.168.1.7");
    expect(advertiseAddress("[::]", undefined, host)).toBe("192.168.1.7");
    expect(advertiseAddress("0.0.0.0", undefined, { lo: host.lo })).toBe("127.0.0.1");
    expect(splitHostPort("[::]:6443")).toEqual({ host: "[::]", port: 6443 });
  });
});

describe("the kubernetes Service's objects", () => {
  it("groups servers by port, keeps the ones listed, and puts a wrong port back without touching the target", () => {
    const servers = [{ ip: "10.0.0.3", port: 6443 }, { ip: "10.0.0.2", port: 6443 }, { ip: "10.0.0.2", port: 6443 }, { ip: "10.0.0.9", port: 7443 }];
    const subsets = endpointSubsets(servers);
    expect(subsets).toEqual([
      { addresses: [{ ip: "10.0.0.2" }, { ip: "10.0.0.3" }], ports: [{ name: "https", port: 6443, protocol: "TCP" }] },
      { addresses: [{ ip: "10.0.0.9" }], ports: [{ name: "https", port: 7443, protocol: "TCP" }] },
    ]);
    expect(listedServers({ subsets } as never)).toHaveLength(3);
    expect(desiredSlice(servers).endpoints.map((e) => e.addresses[0])).toEqual(["10.0.0.2", "10.0.0.3"]);
    const svc = desiredService("10.96.0.1", 6443);
    expect(repairedService(svc, 7000)).toBeUndefined();
    const edited = { ...svc, spec: { ...svc.spec, type: "NodePort" as const, ports: [{ name: "https", port: 8443, protocol: "TCP", targetPort: 6443 }] } };
    expect(repairedService(edited, 7000)?.spec).toMatchObject({ type: "ClusterIP", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] });
  });
});
