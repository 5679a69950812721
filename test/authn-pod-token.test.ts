// A pod's ServiceAccount token on a real agent and Docker: the projected kube-api-access volume
// holds the token, ca.crt and namespace inside the container, and a client in the pod (busybox
// wget, host network, so it reaches the test server on loopback; over plain HTTP, because
// busybox's TLS offers only SHA-1 signatures, which OpenSSL 3 refuses) authenticates with it as
// the pod's ServiceAccount: 403 listing pods until a RoleBinding allows it, then the list. The
// token stops working once the pod is deleted.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { CONTROLLER_NAMES } from "../controlplane/controllers/names";
import { ensureServiceAccountKey, ensureServingCert } from "../infra/local/access";
import { ensureImages } from "./fixtures/docker";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const ADDRESS = "127.0.0.57";
const ADMIN = "pod-token-admin";
// The agent is its own node, by a token (plain HTTP here, so no client certificate).
const NODE = "podtoken-node";
const NODE_TOKEN = "pod-token-node";
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const dir = mkdtempSync(join(tmpdir(), "kubelab-podtoken-"));
let server: TestServer;
let agent: TestAgent;
let caFile: string;

beforeAll(async () => {
  await ensureImages();
  caFile = ensureServingCert(dir).certFile;
  const key = ensureServiceAccountKey(dir);
  writeFileSync(join(dir, "tokens.csv"), `${ADMIN},admin,admin,"system:masters"\n${NODE_TOKEN},system:node:${NODE},${NODE},"system:nodes"\n`);
  const keep = ["serviceaccount", "root-ca-cert-publisher"];
  server = await startTestServer({
    args: [
      "--disable-controllers", [...CONTROLLER_NAMES.filter((n) => !keep.includes(n)), "gitsync"].join(","),
      "--token-auth-file", join(dir, "tokens.csv"), "--root-ca-file", caFile,
      "--service-account-signing-key-file", key, "--service-account-key-file", key,
    ],
  });
  const kubeconfig = join(dir, "node.kubeconfig");
  writeFileSync(kubeconfig, stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "c", cluster: { server: server.url } }], users: [{ name: "n", user: { token: NODE_TOKEN } }], contexts: [{ name: "c", context: { cluster: "c", user: "n" } }], "current-context": "c" }), { mode: 0o600 });
  agent = await startTestAgent({ address: ADDRESS, nodeName: NODE, kubeconfig, args: ["--pod-cidr", "10.244.57.0/24"] });
}, 90_000);
afterAll(async () => {
  await agent?.cleanup();
  await server?.stop();
});

async function api(method: string, path: string, body?: unknown, token = ADMIN): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${server.url}${path}`, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

/** What the pod's container does: show its token volume, then ask the API server with the token. */
function script(): string {
  const ask = (path: string, post?: string) =>
    `wget -q -O - --header "Authorization: Bearer $(cat ${SA_DIR}/token)" --header "Content-Type: application/json" ${post ? `--post-data '${post}'` : ""} ${server.url}${path} 2>&1`;
  const review = JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
  return [
    `cat ${SA_DIR}/namespace; echo`,
    `head -n 1 ${SA_DIR}/ca.crt`,
    `touch ${SA_DIR}/x 2>/dev/null || echo read-only`,
    `${ask("/apis/authentication.k8s.io/v1/selfsubjectreviews", review)} | grep -o '"username":"[^"]*"\\|pod-name":\\["[^"]*"'`,
    `${ask("/api/v1/namespaces/default/pods")} | grep -o "403 Forbidden"`,
    `until ${ask("/api/v1/namespaces/default/pods")} | grep -q '"kind":"PodList"'; do sleep 0.5; done; echo listed`,
    "sleep 3600",
  ].join("; ");
}

describe("a pod's ServiceAccount token", () => {
  it("is mounted with ca.crt and namespace, and a client in the pod authenticates with it until the pod is deleted", async () => {
    // The default ServiceAccount and kube-root-ca.crt come from the controllers.
    await eventually(async () => (await api("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200, 20_000, "default ServiceAccount");
    const cm = await eventually(async () => (await api("GET", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt")).body?.data, 20_000, "kube-root-ca.crt");
    expect(cm["ca.crt"]).toBe(readFileSync(caFile, "utf8"));

    const created = await api("POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "reader" },
      spec: { nodeName: agent.nodeName, hostNetwork: true, terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "kubelab/busybox:1.36", command: ["sh", "-c", script()] }] },
    });
    expect(created.status).toBe(201);
    const logs = () => api("GET", "/api/v1/namespaces/default/pods/reader/log").then((r) => (r.status === 200 ? r.text : ""));
    const first = await eventually(async () => {
      const text = await logs();
      return text.includes("403 Forbidden") && text;
    }, 60_000, "the pod's first requests").catch(async (e) => {
      const pod = await api("GET", "/api/v1/namespaces/default/pods/reader");
      throw new Error(`${(e as Error).message}\nlogs: ${await logs()}\nstatus: ${JSON.stringify(pod.body?.status)}\n${agent.logs().slice(-2000)}`);
    });
    expect(first.split("\n").slice(0, 6)).toEqual([
      "default",
      "-----BEGIN CERTIFICATE-----",
      "read-only",
      '"username":"system:serviceaccount:default:default"',
      'pod-name":["reader"',
      "403 Forbidden",
    ]);

    // Authenticated, not yet authorized: a RoleBinding to view lets the pod list pods.
    const binding = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "default-view" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" }, subjects: [{ kind: "ServiceAccount", name: "default", namespace: "default" }] };
    expect((await api("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", binding)).status).toBe(201);
    await eventually(async () => (await logs()).includes("listed"), 30_000, "the pod listing pods");

    const uid = created.body.metadata.uid as string;
    const volumes = join(agent.rootDir, "pods", uid, "volumes");
    const token = readFileSync(join(volumes, readdirSync(volumes).find((v) => v.startsWith("kube-api-access-"))!, "token"), "utf8");
    expect((await api("GET", "/api/v1/namespaces/default/pods", undefined, token)).status).toBe(200);
    await api("DELETE", "/api/v1/namespaces/default/pods/reader");
    await eventually(async () => (await api("GET", "/api/v1/namespaces/default/pods", undefined, token)).status === 401, 30_000, "the deleted pod's token refused");
  }, 120_000);
});
