import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeProtobufBody } from "../controlplane/apiserver/protobuf/decode";
import { bytesField as msg, envelope, mapEntry } from "../controlplane/apiserver/protobuf/encode";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";

// kubectl's typed `create` subcommands send their objects as Kubernetes protobuf
// (Content-Type application/vnd.kubernetes.protobuf); the API server decodes them and answers JSON.
describe("kubectl create with protobuf bodies", () => {
  let server: TestServer;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    server = await startTestServer({ args: ["--disable-controllers", "all"] });
    kubectl = kubectlFor(server.kubeconfig);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const getJson = async <T = Record<string, any>>(args: string[]): Promise<T> => JSON.parse(await kubectl.ok([...args, "-o", "json"])) as T;

  it("kubectl create deployment sends protobuf and prints the created deployment", async () => {
    const r = await kubectl.run(["create", "deployment", "proto-check", "--image=kubelab/web:1", "-v=8"]);
    expect(r.stderr).toContain("Content-Type: application/vnd.kubernetes.protobuf");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("deployment.apps/proto-check created");
  });

  it("creates a deployment with replicas, a port and a command", async () => {
    expect((await kubectl.ok(["create", "deployment", "web", "--image=kubelab/web:1", "--replicas=3", "--port=80"])).trim()).toBe("deployment.apps/web created");
    await kubectl.ok(["create", "deployment", "sleeper", "--image=kubelab/busybox:1", "--", "sleep", "3600"]);
    const web = await getJson(["get", "deployment", "web"]);
    expect(web.metadata.labels).toEqual({ app: "web" });
    expect(web.spec.replicas).toBe(3);
    expect(web.spec.selector).toEqual({ matchLabels: { app: "web" } });
    expect(web.spec.template.metadata.labels).toEqual({ app: "web" });
    const [c] = web.spec.template.spec.containers;
    expect(c.name).toBe("web");
    expect(c.image).toBe("kubelab/web:1");
    expect(c.ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
    const sleeper = await getJson(["get", "deployment", "sleeper"]);
    expect(sleeper.spec.replicas).toBe(1);
    expect(sleeper.spec.template.spec.containers[0].command).toEqual(["sleep", "3600"]);
  });

  it("creates configmaps and secrets from literals", async () => {
    expect((await kubectl.ok(["create", "configmap", "settings", "--from-literal=a=b", "--from-literal=empty="])).trim()).toBe("configmap/settings created");
    expect((await getJson(["get", "configmap", "settings"])).data).toEqual({ a: "b", empty: "" });
    expect((await kubectl.ok(["create", "secret", "generic", "creds", "--from-literal=k=v", "--from-literal=user=admin"])).trim()).toBe("secret/creds created");
    const secret = await getJson(["get", "secret", "creds"]);
    expect(secret.type).toBe("Opaque");
    expect(secret.data).toEqual({ k: Buffer.from("v").toString("base64"), user: Buffer.from("admin").toString("base64") });
  });

  it("creates a namespace and objects in it", async () => {
    expect((await kubectl.ok(["create", "namespace", "team-a"])).trim()).toBe("namespace/team-a created");
    expect((await getJson(["get", "namespace", "team-a"])).status.phase).toBe("Active");
    await kubectl.ok(["create", "configmap", "inside", "-n", "team-a", "--from-literal=x=y"]);
    expect((await getJson(["get", "configmap", "inside", "-n", "team-a"])).data).toEqual({ x: "y" });
  });

  it("creates NodePort and ClusterIP services with port mappings", async () => {
    expect((await kubectl.ok(["create", "service", "nodeport", "web", "--tcp=80:8080"])).trim()).toBe("service/web created");
    const np = await getJson(["get", "service", "web"]);
    expect(np.spec.type).toBe("NodePort");
    expect(np.spec.selector).toEqual({ app: "web" });
    expect(np.spec.ports).toHaveLength(1);
    expect(np.spec.ports[0]).toMatchObject({ name: "80-8080", port: 80, targetPort: 8080, protocol: "TCP" });
    expect(np.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    await kubectl.ok(["create", "service", "clusterip", "api", "--tcp=5678:8080", "--tcp=9090:metrics"]);
    const cip = await getJson(["get", "service", "api"]);
    expect(cip.spec.type).toBe("ClusterIP");
    expect(cip.spec.ports.map((p: { port: number; targetPort: unknown }) => [p.port, p.targetPort])).toEqual([
      [5678, 8080],
      [9090, "metrics"],
    ]);
  });

  it("decodes kubectl's protobuf bodies into the object kubectl itself prints as JSON", async () => {
    // A recording proxy between kubectl and the server keeps every protobuf request body.
    const bodies: Buffer[] = [];
    const target = new URL(server.url);
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        if (req.headers["content-type"] === "application/vnd.kubernetes.protobuf") bodies.push(body);
        const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.end(body);
      });
    });
    await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
    try {
      const proxied = join(server.dataDir, "kubeconfig-proxied");
      const port = (proxy.address() as AddressInfo).port;
      writeFileSync(proxied, readFileSync(server.kubeconfig, "utf8").replace(server.url, `http://127.0.0.1:${port}`));
      const viaProxy = kubectlFor(proxied);
      const commands = [
        ["create", "deployment", "parity-web", "--image=kubelab/web:1", "--replicas=0", "--port=8080"],
        ["create", "deployment", "parity-cmd", "--image=kubelab/busybox:1", "--", "sh", "-c", "sleep 1"],
        ["create", "secret", "generic", "parity-secret", "--from-literal=a=b", "--type=kubernetes.io/basic-auth"],
        ["create", "secret", "docker-registry", "parity-reg", "--docker-server=r.example", "--docker-username=u", "--docker-password=p"],
        ["create", "configmap", "parity-cm", "--from-literal=k=", "--from-literal=x=y"],
        ["create", "service", "nodeport", "parity-np", "--tcp=80:http", "--node-port=30080"],
        ["create", "service", "externalname", "parity-ext", "--external-name=a.example"],
        ["create", "namespace", "parity-ns"],
      ];
      for (const cmd of commands) {
        const dash = cmd.includes("--") ? cmd.indexOf("--") : cmd.length;
        const printed = JSON.parse(await viaProxy.ok([...cmd.slice(0, dash), "--dry-run=client", "-o", "json", ...cmd.slice(dash)]));
        const before = bodies.length;
        await viaProxy.ok(cmd);
        expect(bodies.length, cmd.join(" ")).toBe(before + 1);
        expect(canonical(decodeProtobufBody(bodies[before])), cmd.join(" ")).toEqual(canonical(printed));
      }
    } finally {
      await new Promise((done) => proxy.close(done));
    }
  });

  it("answers a truncated protobuf body with 400 and stores nothing", async () => {
    const body = envelope("v1", "ConfigMap", Buffer.concat([msg(1, msg(1, "broken")), mapEntry(2, "a", "b")]));
    const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kubernetes.protobuf", Accept: "application/json" },
      body: body.subarray(0, body.length - 9),
    });
    expect(res.status).toBe(400);
    const status = (await res.json()) as { reason: string; message: string };
    expect(status.reason).toBe("BadRequest");
    expect(status.message).toMatch(/protobuf/);
    expect((await kubectl.run(["get", "configmap", "broken"])).stderr).toMatch(/NotFound|not found/);
    // the same bytes, whole, are accepted
    const ok = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kubernetes.protobuf" },
      body,
    });
    expect(ok.status).toBe(201);
    expect((await getJson(["get", "configmap", "broken"])).data).toEqual({ a: "b" });
  });

  it("answers a protobuf body of a kind without a protobuf schema with 415", async () => {
    const body = envelope("apps/v1", "StatefulSet", msg(1, msg(1, "db")));
    const res = await fetch(`${server.url}/apis/apps/v1/namespaces/default/deployments`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kubernetes.protobuf" },
      body,
    });
    expect(res.status).toBe(415);
    const status = (await res.json()) as { reason: string; message: string };
    expect(status.reason).toBe("UnsupportedMediaType");
    expect(status.message).toMatch(/protobuf bodies are supported for .*send JSON/);
  });
});

/** Go's JSON of an object without the noise of zero values: drop nulls and empty objects. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const c = canonical(x);
      if (c === null || (typeof c === "object" && !Array.isArray(c) && Object.keys(c as object).length === 0)) continue;
      out[k] = c;
    }
    return out;
  }
  return v;
}
