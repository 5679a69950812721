// Node identities on the real `kubelab server` (Node,RBAC authorization, NodeRestriction): each
// node's own credential reaches only what its pods need, and a real agent works with it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestAgent, type TestAgent } from "../agent/testing";
import { startTestServer, type TestServer } from "./fixtures/server";

const ADMIN = "admin-token-node-e2e";
const NODE_A = "node-a-token-node-e2e";
const dir = mkdtempSync(join(tmpdir(), "kubelab-node-authz-"));
const tokenFile = join(dir, "tokens.csv");
writeFileSync(tokenFile, [`${ADMIN},admin,admin,"system:masters"`, `${NODE_A},system:node:na,node-na,"system:nodes"`, `node-b-token,system:node:nb,node-nb,"system:nodes"`].join("\n") + "\n");

describe("node credentials", () => {
  let server: TestServer;
  let agent: TestAgent | undefined;
  const api = (token: string, path: string, init: RequestInit = {}) =>
    fetch(server.url + path, { ...init, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(init.headers ?? {}) } });
  const json = (v: unknown) => JSON.stringify(v);
  const patch = (token: string, path: string, body: unknown) => api(token, path, { method: "PATCH", body: json(body), headers: { "Content-Type": "application/merge-patch+json" } });

  beforeAll(async () => {
    server = await startTestServer({ args: ["--token-auth-file", tokenFile, "--disable-controllers", "all"] });
    for (const name of ["nb"]) expect((await api(ADMIN, "/api/v1/nodes", { method: "POST", body: json({ apiVersion: "v1", kind: "Node", metadata: { name } }) })).status).toBe(201);
    for (const name of ["used", "unused"]) {
      const s = { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: { greeting: `hello from ${name}` } };
      expect((await api(ADMIN, "/api/v1/namespaces/default/secrets", { method: "POST", body: json(s) })).status).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    await agent?.cleanup();
    await server?.stop();
  });

  it("cannot patch another node, nor set its address", async () => {
    const r = await patch(NODE_A, "/api/v1/nodes/nb", { metadata: { labels: { owned: "by-a" } } });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { message: string }).message).toBe(
      `nodes "nb" is forbidden: User "system:node:na" cannot patch resource "nodes" in API group "" at the cluster scope: node 'na' cannot modify node 'nb'`,
    );
    const address = await patch(NODE_A, "/api/v1/nodes/nb/status", { status: { addresses: [{ type: "InternalIP", address: "127.0.0.66" }] } });
    expect(address.status).toBe(403);
    const nb = (await (await api(ADMIN, "/api/v1/nodes/nb")).json()) as { metadata: { labels?: Record<string, string> }; status?: { addresses?: unknown[] } };
    expect(nb.metadata.labels?.owned).toBeUndefined();
    expect(nb.status?.addresses ?? []).toEqual([]);
  });

  it("cannot register a Node under another name, nor create a pod that is not its mirror pod", async () => {
    const r = await api(NODE_A, "/api/v1/nodes", { method: "POST", body: json({ apiVersion: "v1", kind: "Node", metadata: { name: "nc" } }) });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { message: string }).message).toBe('nodes "nc" is forbidden: node "na" is not allowed to modify node "nc"');
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "sneaky" }, spec: { nodeName: "na", containers: [{ name: "c", image: "kubelab/busybox:1.36" }] } };
    const p = await api(NODE_A, "/api/v1/namespaces/default/pods", { method: "POST", body: json(pod) });
    expect(p.status).toBe(403);
    expect(((await p.json()) as { message: string }).message).toBe('pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "na" can only create mirror pods');
  });

  it("runs a pod with its own credential and reads only the Secret that pod uses", async () => {
    const kubeconfig = join(dir, "na.kubeconfig");
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "${server.url}"}}]
users: [{name: na, user: {token: "${NODE_A}"}}]
contexts: [{name: na, context: {cluster: lab, user: na}}]
current-context: na
`);
    agent = await startTestAgent({ address: "127.0.0.131", nodeName: "na", kubeconfig, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.249.131.0/24"] });
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "reads-used" },
      spec: {
        nodeName: "na",
        automountServiceAccountToken: false,
        containers: [{ name: "c", image: "kubelab/busybox:1.36", command: ["sh", "-c", "cat /s/greeting; sleep 3600"], volumeMounts: [{ name: "s", mountPath: "/s" }] }],
        volumes: [{ name: "s", secret: { secretName: "used" } }],
      },
    };
    expect((await api(ADMIN, "/api/v1/namespaces/default/pods", { method: "POST", body: json(pod) })).status).toBe(201);
    await eventually(async () => {
      const p = (await (await api(ADMIN, "/api/v1/namespaces/default/pods/reads-used")).json()) as { status?: { phase?: string } };
      return p.status?.phase === "Running" ? true : undefined;
    }, 60_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\nagent:\n${agent?.logs().slice(-4000)}\nserver:\n${server.logs().slice(-3000)}`);
    });
    // The agent fetched the Secret with the node's credential and mounted it.
    const container = execFileSync("docker", ["ps", "-q", "--filter", "name=k8s_c_reads-used_default_"]).toString().trim().split("\n")[0]!;
    expect(execFileSync("docker", ["exec", container, "cat", "/s/greeting"]).toString()).toBe("hello from used");
    expect((await api(NODE_A, "/api/v1/namespaces/default/secrets/used")).status).toBe(200);
    const unused = await api(NODE_A, "/api/v1/namespaces/default/secrets/unused");
    expect(unused.status).toBe(403);
    expect(((await unused.json()) as { message: string }).message).toContain("no relationship found between node 'na' and this object");
    expect((await api(NODE_A, "/api/v1/namespaces/default/secrets")).status).toBe(403);
    // Its own Node is its to update (the agent has registered it and reports status).
    const na = (await (await api(NODE_A, "/api/v1/nodes/na")).json()) as { status?: { conditions?: Array<{ type: string; status: string }> } };
    expect(na.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect((await api(NODE_A, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/na")).status).toBe(200);
  }, 120_000);

  it("mirrors a static pod through NodeRestriction", async () => {
    writeFileSync(join(agent!.manifestDir, "static.yaml"), `apiVersion: v1
kind: Pod
metadata: {name: static}
spec:
  containers: [{name: c, image: kubelab/busybox:1.36, command: [sleep, "3600"]}]
`);
    const mirror = await eventually(async () => {
      const r = await api(ADMIN, "/api/v1/namespaces/default/pods/static-na");
      return r.status === 200 ? ((await r.json()) as { metadata: { annotations?: Record<string, string> }; spec: { nodeName?: string } }) : undefined;
    }, 60_000);
    expect(mirror.spec.nodeName).toBe("na");
    expect(mirror.metadata.annotations?.["kubernetes.io/config.mirror"]).toBeTruthy();
  }, 90_000);
});
