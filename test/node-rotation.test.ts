// Node client certificate rotation on the real `kubelab server` with a real agent: certificates
// live 140 s (--cluster-signing-duration), so the agent, TLS-bootstrapped as system:node:<name>,
// must renew its own before the first one expires: with a CertificateSigningRequest made with
// that certificate, approved as selfnodeclient and signed, swapped in without a restart. Past the
// first certificate's expiry the old one is refused, and the agent still heartbeats and runs a
// new pod.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { readKubeconfig } from "../client/kubeconfig";
import { CONTROLLER_NAMES } from "../controlplane/controllers/names";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const ADDRESS = "127.0.0.137";
const NODE = `rot-${process.pid}`;
const WANTED = new Set(["csrapproving", "csrsigning"]);

interface CSR {
  spec: { username?: string };
  status?: { certificate?: string; conditions?: Array<{ type: string; reason?: string; message?: string }> };
}

let server: TestServer;
let agent: TestAgent;
let kubectl: ReturnType<typeof kubectlFor>;

/** The agent's current certificate and key (one PEM file, named by its kubeconfig). */
const credential = () => {
  const pem = readFileSync(readKubeconfig(agent.kubeconfig!).options.certFile!, "utf8");
  return { pem, cert: new X509Certificate(pem) };
};

beforeAll(async () => {
  await ensureImages();
  server = await startTestServer({
    secure: true,
    args: ["--cluster-signing-duration", "140s", "--disable-controllers", [...CONTROLLER_NAMES.filter((n) => !WANTED.has(n)), "gitsync"].join(",")],
  });
  kubectl = kubectlFor(server.kubeconfig);
  agent = await startTestAgent({ address: ADDRESS, nodeName: NODE, server, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.249.137.0/24"] });
}, 90_000);
afterAll(async () => {
  await agent?.cleanup();
  await server?.stop();
});

describe("node client certificate rotation", () => {
  it("renews the node's certificate with its own before it expires, and keeps working past the first one's expiry", async () => {
    const first = credential();
    expect(first.cert.subject).toBe(`CN=system:node:${NODE}\nO=system:nodes`);
    const firstExpiry = new Date(first.cert.validTo).getTime();
    const pid = agent.pid();

    // A new certificate, from a request the node made as itself, approved as selfnodeclient.
    const renewed = await eventually(() => {
      const now = credential();
      return now.cert.serialNumber !== first.cert.serialNumber ? now : undefined;
    }, 240_000, "a renewed certificate in the agent's kubeconfig");
    expect(renewed.cert.subject).toBe(first.cert.subject);
    expect(new Date(renewed.cert.validTo).getTime()).toBeGreaterThan(firstExpiry);
    const csrs = (JSON.parse(await kubectl.ok(["get", "csr", "-o", "json"])) as { items: CSR[] }).items;
    const own = csrs.filter((c) => c.spec.username === `system:node:${NODE}`);
    expect(own.length).toBeGreaterThan(0);
    expect(own[0]!.status?.conditions?.find((c) => c.type === "Approved")?.message).toBe("Auto approving self kubelet client certificate after SubjectAccessReview.");
    expect(agent.logs()).toContain("rotated the node's client certificate");

    // Past the first certificate's expiry: the old one logs in no more ...
    await eventually(() => Date.now() > firstExpiry + 1000, 240_000, "the first certificate to expire");
    const withOld = new Agent({ connect: { ca: readFileSync(server.pki!.servingCAFile), cert: first.pem, key: first.pem } });
    const refused = await undiciFetch(`${server.url}/api/v1/nodes/${NODE}`, { dispatcher: withOld });
    expect(refused.status).toBe(401);
    await withOld.close();

    // ... and the same agent process goes on: its Lease is renewed and a new pod runs.
    expect(agent.pid()).toBe(pid);
    await eventually(async () => {
      const lease = JSON.parse(await kubectl.ok(["-n", "kube-node-lease", "get", "lease", NODE, "-o", "json"])) as { spec: { renewTime: string } };
      return Date.parse(lease.spec.renewTime) > firstExpiry + 1000;
    }, 30_000, "the node's Lease renewed after the first certificate expired");
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "after-expiry", namespace: "default" }, spec: { nodeName: NODE, automountServiceAccountToken: false, terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "kubelab/busybox:1.36", command: ["sleep", "3600"] }] } };
    await kubectl.ok(["create", "-f", "-"], JSON.stringify(pod));
    await eventually(async () => (await kubectl.ok(["get", "pod", "after-expiry", "-o", "jsonpath={.status.phase}"])) === "Running", 60_000, "the pod made after expiry Running").catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\nagent:\n${agent.logs().slice(-3000)}`);
    });
  }, 420_000);
});
