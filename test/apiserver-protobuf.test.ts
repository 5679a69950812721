import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
