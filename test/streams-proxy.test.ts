import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { stringify } from "yaml";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { removePodNetworks } from "../agent/network/teardown";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// The proxy subresources through `kubectl proxy`, as a user reaches an app without a NodePort:
// services/[scheme:]name[:port]/proxy/ to a ready endpoint, pods/name[:port]/proxy/ to the pod IP,
// nodes/name/proxy/ to the node's agent; 503 with Kubernetes' message when nothing is ready.
const id = randomBytes(3).toString("hex");
const NS = `proxy-${id}`;
const web = { name: "c", image: "kubelab/web:1", ports: [{ name: "http", containerPort: 80 }] };
/** A CGI script under busybox httpd that answers with the method, query, a header and the body it got. */
const ECHO_CGI = 'printf "Content-Type: text/plain\\r\\n\\r\\n%s %s %s\\n" "$REQUEST_METHOD" "$QUERY_STRING" "$HTTP_X_PROBE"; head -c "${CONTENT_LENGTH:-0}"';
const echo = {
  name: "c",
  image: "kubelab/busybox:1.36",
  command: ["sh", "-c", `mkdir -p /www/cgi-bin && printf '#!/bin/sh\\n%s\\n' '${ECHO_CGI}' > /www/cgi-bin/echo && chmod +x /www/cgi-bin/echo && exec httpd -f -p 8080 -h /www`],
  ports: [{ containerPort: 8080 }],
};

describe("kubectl proxy to Services, pods and nodes", () => {
  let server: TestServer;
  let agent: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;
  let proxy: ChildProcess;
  let base = "";

  beforeAll(async () => {
    await ensureImages();
    server = await startTestServer({ secure: true });
    kubectl = kubectlFor(server.kubeconfig);
    agent = await startTestAgent({ address: "127.0.0.81", nodeName: `px-${id}`, server, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.244.81.0/24"] });
    await kubectl.ok(["create", "namespace", NS]);
    const objects = [
      { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: NS }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "nobody", namespace: NS }, spec: { selector: { app: "none" }, ports: [{ port: 80 }] } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: NS, labels: { app: "web" } }, spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 1, containers: [web] } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "echo", namespace: NS }, spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 1, containers: [echo] } },
    ];
    await kubectl.ok(["apply", "-f", "-"], objects.map((o) => stringify(o)).join("---\n"));
    await eventually(async () => {
      const eps = JSON.parse(await kubectl.ok(["-n", NS, "get", "endpoints", "web", "-o", "json"])) as { subsets?: Array<{ addresses?: unknown[] }> };
      return (eps.subsets?.[0]?.addresses?.length ?? 0) > 0;
    }, 60_000, "the web Service's endpoint ready");
    await eventually(async () => (await kubectl.ok(["-n", NS, "get", "pod", "echo", "-o", "jsonpath={.status.phase}"])) === "Running", 60_000, "the echo pod running");
    proxy = kubectl.spawn(["proxy", "--port", "0"]);
    let out = "";
    base = await eventually(() => {
      out += proxy.stdout!.read()?.toString() ?? "";
      return /Starting to serve on (\S+)/.exec(out)?.[1];
    }, 15_000, "kubectl proxy listening");
    base = `http://${base}`;
  }, 120_000);

  afterAll(async () => {
    proxy?.kill();
    await agent?.cleanup();
    if (agent) await removePodNetworks([agent.nodeName]);
    await server?.stop();
  });

  it("serves the app through services/web:80/proxy/ and services/http:web:http/proxy/", async () => {
    const res = await fetch(`${base}/api/v1/namespaces/${NS}/services/web:80/proxy/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("kubelab web v1\n");
    const named = await fetch(`${base}/api/v1/namespaces/${NS}/services/http:web:http/proxy/`);
    expect(await named.text()).toBe("kubelab web v1\n");
  });

  it("passes method, path, query and body through and keeps the app's answer code", async () => {
    const missing = await fetch(`${base}/api/v1/namespaces/${NS}/services/web:80/proxy/no/such/page?x=1`);
    expect(missing.status).toBe(404);
    // The echo pod's first container port (8080) is where pods/echo/proxy goes without a port.
    const posted = await eventually(async () => {
      const res = await fetch(`${base}/api/v1/namespaces/${NS}/pods/echo/proxy/cgi-bin/echo?a=1&b=two`, { method: "POST", body: "hello body", headers: { "X-Probe": "probe-1" } });
      return res.status === 200 ? res.text() : undefined;
    }, 20_000, "the echo pod answering");
    expect(posted).toBe("POST a=1&b=two probe-1\nhello body");
    // The app's own query is the app's: names the API would check (limit, watch) pass untouched.
    const own = await fetch(`${base}/api/v1/namespaces/${NS}/pods/echo/proxy/cgi-bin/echo?limit=abc&watch=yes`);
    expect(own.status).toBe(200);
    expect(await own.text()).toBe("GET limit=abc&watch=yes \n");
  });

  it("serves the pod directly through pods/web-0/proxy/ and pods/web-0:80/proxy/", async () => {
    for (const name of ["web-0", "web-0:80", "http:web-0:80"]) {
      const res = await fetch(`${base}/api/v1/namespaces/${NS}/pods/${name}/proxy/`);
      expect(await res.text()).toBe("kubelab web v1\n");
    }
  });

  it("redirects the proxy root without its slash to it, as Kubernetes does", async () => {
    const res = await fetch(`${base}/api/v1/namespaces/${NS}/services/web:80/proxy`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe(`/api/v1/namespaces/${NS}/services/web:80/proxy/`);
  });

  it("answers 503 ServiceUnavailable for a Service without ready endpoints, 404 for a missing one", async () => {
    const res = await fetch(`${base}/api/v1/namespaces/${NS}/services/nobody:80/proxy/`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", message: 'no endpoints available for service "nobody"' });
    const gone = await fetch(`${base}/api/v1/namespaces/${NS}/services/ghost/proxy/`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ reason: "NotFound", details: { name: "ghost", kind: "services" } });
    const badPort = await fetch(`${base}/api/v1/namespaces/${NS}/services/web:81/proxy/`);
    expect(badPort.status).toBe(503);
    expect(((await badPort.json()) as { message: string }).message).toBe('no service port 81 found for service "web"');
    const junk = await fetch(`${base}/api/v1/namespaces/${NS}/services/ftp:web:80/proxy/`);
    expect(junk.status).toBe(400);
  });

  it("reaches the node's agent through nodes/<name>/proxy/ with the server's credential (the agent refuses anyone else)", async () => {
    expect((await fetch(`http://${agent.address}:${agent.port}/pods`)).status).toBe(401);
    const res = await fetch(`${base}/api/v1/nodes/${agent.nodeName}/proxy/pods`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { kind: string; items: Array<{ metadata: { name: string } }> };
    expect(list.kind).toBe("PodList");
    expect(list.items.map((p) => p.metadata.name)).toContain("web-0");
  });

  it("passes a WebSocket upgrade through (nodes/proxy to the agent's exec, as a client of the kubelet API would)", async () => {
    const q = new URLSearchParams([["command", "echo"], ["command", "through the proxy"], ["output", "1"]]);
    const url = `${base.replace(/^http/, "ws")}/api/v1/nodes/${agent.nodeName}/proxy/exec/${NS}/web-0/c?${q}`;
    const out = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(url, ["v5.channel.k8s.io"]);
      let text = "";
      ws.on("message", (data: Buffer) => {
        if (data[0] === 1) text += data.subarray(1).toString();
      });
      ws.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.on("error", reject);
      ws.on("close", () => resolve(text));
    });
    expect(out).toBe("through the proxy\n");
  });

  it("lists the proxy subresources in discovery", async () => {
    const out = await kubectl.ok(["get", "--raw", "/api/v1"]);
    const names = (JSON.parse(out) as { resources: Array<{ name: string }> }).resources.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["pods/proxy", "services/proxy", "nodes/proxy"]));
  });
});
