// A pod's ServiceAccount token on a real agent and Docker: the projected kube-api-access volume
// holds the token, ca.crt and namespace inside the container, the token authenticates as the pod's
// ServiceAccount (checked with kubectl from the host: pods here reach no API server on loopback),
// and it stops working once the pod is deleted.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { CONTROLLER_NAMES } from "../controlplane/controllers/names";
import { ensureServiceAccountKey, ensureServingCert } from "../infra/local/access";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";

const ADDRESS = "127.0.0.57";
const dir = mkdtempSync(join(tmpdir(), "kubelab-podtoken-"));
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
let server: TestServer;
let agent: TestAgent;
let kubectl: ReturnType<typeof kubectlFor>;
let servingCert: string;

beforeAll(async () => {
  await ensureImages();
  const serving = ensureServingCert(dir);
  servingCert = serving.certFile;
  const key = ensureServiceAccountKey(dir);
  writeFileSync(join(dir, "tokens.csv"), `pod-token-admin,admin,admin,"system:masters"\n`);
  const keep = ["serviceaccount", "root-ca-cert-publisher"];
  server = await startTestServer({
    args: [
      "--disable-controllers", [...CONTROLLER_NAMES.filter((n) => !keep.includes(n)), "gitsync"].join(","),
      "--tls-cert-file", serving.certFile, "--tls-private-key-file", serving.keyFile, "--token-auth-file", join(dir, "tokens.csv"),
      "--service-account-signing-key-file", key, "--service-account-key-file", key,
    ],
  });
  kubectl = kubectlFor(server.kubeconfig);
  agent = await startTestAgent({ address: ADDRESS, kubeconfig: server.kubeconfig, args: ["--pod-cidr", "10.244.57.0/24"] });
}, 90_000);
afterAll(async () => {
  await agent?.cleanup();
  await server?.stop();
});

function tokenKubectl(token: string) {
  const file = join(dir, "pod.kubeconfig");
  writeFileSync(file, stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: server.url, "certificate-authority-data": readFileSync(servingCert).toString("base64") } }],
    users: [{ name: "pod", user: { token } }],
    contexts: [{ name: "c", context: { cluster: "c", user: "pod" } }],
    "current-context": "c",
  }), { mode: 0o600 });
  return kubectlFor(file);
}

describe("a pod's ServiceAccount token", () => {
  it("is mounted with ca.crt and namespace, authenticates as the pod's ServiceAccount, and dies with the pod", async () => {
    // The default ServiceAccount and kube-root-ca.crt come from the controllers.
    await eventually(async () => (await kubectl.run(["get", "serviceaccount", "default", "-o", "name"])).code === 0, 20_000, "default ServiceAccount");
    const ca = await eventually(async () => {
      const r = await kubectl.run(["get", "configmap", "kube-root-ca.crt", "-o", "jsonpath={.data.ca\\.crt}"]);
      return r.code === 0 && r.stdout;
    }, 20_000, "kube-root-ca.crt");
    expect(ca).toBe(readFileSync(servingCert, "utf8"));

    const script = `cat ${SA_DIR}/namespace; echo; head -n 1 ${SA_DIR}/ca.crt; wc -c < ${SA_DIR}/token; touch ${SA_DIR}/x 2>/dev/null || echo read-only; sleep 3600`;
    await kubectl.ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "reader" },
      spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "kubelab/busybox:1.36", command: ["sh", "-c", script] }] },
    }));
    const logs = await eventually(async () => {
      const r = await kubectl.run(["logs", "reader"]);
      return r.code === 0 && r.stdout.includes("read-only") && r.stdout;
    }, 60_000, "the container's view of its token volume").catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${await kubectl.run(["get", "pod", "reader", "-o", "yaml"]).then((r) => r.stdout)}\n${agent.logs().slice(-3000)}`);
    });
    const [ns, caLine, size] = logs.trim().split("\n");
    expect(ns).toBe("default");
    expect(caLine).toBe("-----BEGIN CERTIFICATE-----");
    expect(Number(size)).toBeGreaterThan(500);

    const pod = JSON.parse(await kubectl.ok(["get", "pod", "reader", "-o", "json"])) as { metadata: { uid: string } };
    const volumes = join(agent.rootDir, "pods", pod.metadata.uid, "volumes");
    const volume = readdirSync(volumes).find((v) => v.startsWith("kube-api-access-"))!;
    const token = readFileSync(join(volumes, volume, "token"), "utf8");
    const whoami = JSON.parse(await tokenKubectl(token).ok(["auth", "whoami", "-o", "json"])) as { status: { userInfo: { username: string; extra: Record<string, string[]> } } };
    expect(whoami.status.userInfo.username).toBe("system:serviceaccount:default:default");
    expect(whoami.status.userInfo.extra["authentication.kubernetes.io/pod-name"]).toEqual(["reader"]);
    expect(whoami.status.userInfo.extra["authentication.kubernetes.io/node-name"]).toEqual([agent.nodeName]);

    await kubectl.ok(["delete", "pod", "reader", "--wait=false"]);
    await eventually(async () => (await tokenKubectl(token).run(["get", "pods"])).stderr.includes("You must be logged in"), 30_000, "the deleted pod's token refused");
  }, 120_000);
});
