import { describe, expect, it } from "vitest";
import type { Endpoints, Pod, Service } from "../../../api/core";
import { parseResourcePath } from "../request";
import { restPath } from "./proxy";
import { podLocation, serviceLocation, splitSchemeNamePort } from "./proxy-location";

const svc = { metadata: { name: "web" }, spec: { ports: [{ name: "http", port: 80 }, { name: "admin", port: 9000 }] } } as unknown as Service;
const eps = {
  metadata: { name: "web" },
  subsets: [
    { addresses: [{ ip: "10.0.0.5" }], notReadyAddresses: [{ ip: "10.0.0.9" }], ports: [{ name: "http", port: 8080 }, { name: "admin", port: 9090 }] },
  ],
} as unknown as Endpoints;

describe("proxy locations, as Kubernetes' ResourceLocation finds them", () => {
  it("splits [scheme:]name[:port] and refuses other schemes and shapes", () => {
    expect(splitSchemeNamePort("web")).toEqual({ scheme: "", name: "web", port: "" });
    expect(splitSchemeNamePort("web:80")).toEqual({ scheme: "", name: "web", port: "80" });
    expect(splitSchemeNamePort("https:web:443")).toEqual({ scheme: "https", name: "web", port: "443" });
    expect(splitSchemeNamePort("ftp:web:21")).toBeUndefined();
    expect(splitSchemeNamePort("a:b:c:d")).toBeUndefined();
    expect(splitSchemeNamePort(":80")).toBeUndefined();
  });

  it("maps a Service port (by number or name) to the ready endpoint's port, never a not-ready address", () => {
    for (const id of ["web:80", "web:http"]) {
      const loc = serviceLocation(splitSchemeNamePort(id)!, { ...svc, spec: { ports: [{ name: "http", port: 80 }] } } as Service, eps, () => 0.99);
      expect(loc).toEqual({ scheme: "http", host: "10.0.0.5", port: 8080 });
    }
    expect(serviceLocation(splitSchemeNamePort("web:9000")!, svc, eps)).toMatchObject({ port: 9090 });
    // No port names the endpoint port "": only a Service whose one port is unnamed is reached so.
    expect(() => serviceLocation(splitSchemeNamePort("web")!, svc, eps)).toThrow('no endpoints available for service "web"');
  });

  it("answers 503 with Kubernetes' messages when nothing is ready or the port is unknown", () => {
    expect(() => serviceLocation(splitSchemeNamePort("web:80")!, svc, undefined)).toThrow('no endpoints available for service "web"');
    expect(() => serviceLocation(splitSchemeNamePort("web:81")!, svc, eps)).toThrow('no service port 81 found for service "web"');
    const unready = { ...eps, subsets: [{ notReadyAddresses: [{ ip: "10.0.0.9" }], ports: [{ name: "http", port: 8080 }] }] } as unknown as Endpoints;
    expect(() => serviceLocation(splitSchemeNamePort("web:80")!, svc, unready)).toThrow('no endpoints available for service "web"');
  });

  it("sends a pod request to its IP at the asked port, else its first container port", () => {
    const pod = { metadata: { name: "p" }, spec: { containers: [{ name: "c", ports: [{ containerPort: 8080 }] }] }, status: { podIP: "10.0.0.7" } } as unknown as Pod;
    expect(podLocation(splitSchemeNamePort("p")!, pod)).toEqual({ scheme: "http", host: "10.0.0.7", port: 8080 });
    expect(podLocation(splitSchemeNamePort("https:p:8443")!, pod)).toEqual({ scheme: "https", host: "10.0.0.7", port: 8443 });
    expect(() => podLocation(splitSchemeNamePort("p:http")!, pod)).toThrow('invalid pod request "p:http"');
    expect(() => podLocation(splitSchemeNamePort("p")!, { ...pod, status: {} } as Pod)).toThrow("does not have a pod IP address");
  });

  it("keeps the path after /proxy as the client sent it, and parses nodes/<name>/proxy/<path> as the proxy subresource", () => {
    expect(restPath("/api/v1/namespaces/pods/pods/x/proxy/a/b%2Fc", "pods")).toBe("/a/b%2Fc");
    expect(restPath("/api/v1/namespaces/x/services/web:80/proxy", "services")).toBe("");
    expect(parseResourcePath("/api/v1/nodes/n1/proxy/stats/summary")).toMatchObject({ plural: "nodes", name: "n1", subresource: "proxy" });
    expect(parseResourcePath("/api/v1/nodes/n1/status/extra")).toBeUndefined();
  });
});
