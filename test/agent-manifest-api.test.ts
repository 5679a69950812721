import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type ObservedPod, type TestAgent } from "../agent/testing";
import { ensureServingCert } from "../infra/local/access";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// Pods posted to the agent's own API (its main port, behind the webhook check): created,
// replaced and deleted as static pods, kept in the manifest folder so a restart keeps them, shown
// on /pods and as mirror pods; a request without a credential the API server vouches for is 401, one not allowed 403.
const ADDRESS = "127.0.0.188";

const pod = (image: string) =>
  JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "posted", labels: { app: "posted" } }, spec: { containers: [{ name: "web", image, imagePullPolicy: "IfNotPresent" }] } });

describe("pods posted to the agent's API", () => {
  let server: TestServer;
  let agent: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;
  // "poster" may create, update and delete nodes/proxy (what the kubelet's webhook mode asks for a
  // write to its API); "viewer" only get it.
  const token = "pod-api-poster-token";
  const viewer = "pod-api-viewer-token";

  beforeAll(async () => {
    await ensureImages();
    const dir = mkdtempSync(join(tmpdir(), "kubelab-pod-api-"));
    writeFileSync(join(dir, "tokens.csv"), `pod-api-admin-token,admin,admin-uid,"system:masters"\n${token},poster,poster-uid\n${viewer},viewer,viewer-uid\n`);
    // TLS, since kubectl sends a bearer token only over https.
    const serving = ensureServingCert(dir);
    server = await startTestServer({
      secure: true,
      args: ["--tls-cert-file", serving.certFile, "--tls-private-key-file", join(dir, "tls", "apiserver.key"), "--token-auth-file", join(dir, "tokens.csv")],
    });
    // The admin's kubeconfig, for kubectl; the agent is its own node (it asks TokenReview and SubjectAccessReview as that).
    const kubeconfig = join(dir, "admin.kubeconfig");
    writeFileSync(kubeconfig, stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: server.url, "certificate-authority-data": readFileSync(serving.certFile).toString("base64") } }],
      users: [{ name: "admin", user: { token: "pod-api-admin-token" } }],
      contexts: [{ name: "c", context: { cluster: "c", user: "admin", namespace: "default" } }],
      "current-context": "c",
    }), { mode: 0o600 });
    kubectl = kubectlFor(kubeconfig);
    await kubectl.ok(["create", "clusterrole", "pod-poster", "--verb=create,update,delete", "--resource=nodes/proxy"]);
    await kubectl.ok(["create", "clusterrolebinding", "pod-poster", "--clusterrole=pod-poster", "--user=poster"]);
    await kubectl.ok(["create", "clusterrole", "node-viewer", "--verb=get", "--resource=nodes/proxy"]);
    await kubectl.ok(["create", "clusterrolebinding", "node-viewer", "--clusterrole=node-viewer", "--user=viewer"]);
    agent = await startTestAgent({ address: ADDRESS, server });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await server?.stop();
  });

  const call = (method: string, path: string, body?: string, auth: string | null = `Bearer ${token}`) =>
    fetch(`http://${ADDRESS}:${agent.port}${path}`, {
      method,
      body,
      headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
    });
  const posted = async (): Promise<ObservedPod | undefined> => (await agent.pods()).find((p) => p.metadata.name === `posted-${agent.nodeName}`);
  const running = (image: string) => async () => {
    const p = await posted();
    return p?.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready && p.spec.containers[0]!.image === image ? p : undefined;
  };

  it("refuses a post without a credential, or with a bad one, and writes nothing", async () => {
    expect((await call("POST", "/pods", pod("kubelab/web:1"), null)).status).toBe(401);
    expect((await call("POST", "/pods", pod("kubelab/web:1"), "Bearer not-a-token")).status).toBe(401);
    expect((await call("DELETE", "/pods/default/posted", undefined, null)).status).toBe(401);
    // Authenticated but not allowed to write: 403, with what was asked for named.
    const forbidden = await call("POST", "/pods", pod("kubelab/web:1"), `Bearer ${viewer}`);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { message: string }).message).toContain("verb=create, resource=nodes, subresource(s)=[proxy]");
    expect(readdirSync(agent.manifestDir)).toEqual([]);
  });

  it("runs a posted pod, on /pods and as a mirror pod, and refuses bad posts clearly", async () => {
    const res = await call("POST", "/pods", pod("kubelab/web:1"));
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as ObservedPod).metadata.name).toBe(`posted-${agent.nodeName}`);
    await eventually(running("kubelab/web:1"), 30_000, "posted pod Running");
    await eventually(async () => (await kubectl.run(["get", "pod", `posted-${agent.nodeName}`])).code === 0, 20_000, "mirror pod");

    const again = await call("POST", "/pods", pod("kubelab/web:1"));
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toContain('pods "posted" already exists');
    const broken = await call("POST", "/pods", "{not json: [");
    expect(broken.status).toBe(400);
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ..."bcdefgh".split("").map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefg"[i]}`).join(", ")}]`)].join("\n");
    const laughs = await call("POST", "/pods", bomb);
    expect(laughs.status).toBe(400);
    expect(((await laughs.json()) as { message: string }).message).toContain("alias");
    const notPod = await call("POST", "/pods", JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }));
    expect(notPod.status).toBe(422);
    expect(((await notPod.json()) as { message: string }).message).toContain("not a Pod manifest");
    const badName = await call("POST", "/pods", JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "../../etc" }, spec: { containers: [{ name: "c", image: "x" }] } }));
    expect(badName.status).toBe(422);
    expect((await call("PUT", "/pods/default/nothing", pod("kubelab/web:1"))).status).toBe(404);
    expect(readdirSync(agent.manifestDir)).toEqual(["api_default_posted.yaml"]);
  });

  it("keeps a posted pod over an agent restart", async () => {
    const before = await eventually(running("kubelab/web:1"), 30_000, "posted pod Running");
    await agent.kill("SIGTERM");
    await agent.start();
    const after = await eventually(running("kubelab/web:1"), 30_000, "posted pod Running after the restart");
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(0);
  });

  it("replaces a posted pod (by either name) and deletes it", async () => {
    const before = await eventually(running("kubelab/web:1"), 30_000, "posted pod Running");
    const res = await call("PUT", `/pods/default/posted-${agent.nodeName}`, pod("kubelab/web:2"));
    expect(res.status, await res.clone().text()).toBe(200);
    const after = await eventually(running("kubelab/web:2"), 30_000, "replaced pod Running web:2");
    expect(after.metadata.uid).not.toBe(before.metadata.uid);

    expect((await call("DELETE", "/pods/default/posted")).status).toBe(200);
    await eventually(async () => !(await posted()), 30_000, "posted pod gone from /pods");
    await eventually(async () => (await kubectl.run(["get", "pod", `posted-${agent.nodeName}`])).code !== 0, 20_000, "mirror pod gone");
    expect((await call("DELETE", "/pods/default/posted")).status).toBe(404);
  });
});
