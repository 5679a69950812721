// The kubelet TLS bootstrap on the real `kubelab server` with the real kubectl and a real agent: a
// bootstrap token gets the agent a CertificateSigningRequest that the control plane approves and
// signs, after which the agent is system:node:<name> by its own certificate (and the Node
// authorizer holds it to that); a restart reuses it; expired tokens are refused and cleaned up;
// a node cannot get another node's certificate approved; people approve other CSRs with kubectl.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { makeCSR, newPrivateKey, nodeClientCSR } from "../client/csr";
import { bootstrapTokenSecret, generateBootstrapToken } from "../api/bootstrap-token";
import { CONTROLLER_NAMES } from "../controlplane/controllers/names";
import { ensureClientCA, ensureServingCert } from "../infra/local/access";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { consistently, eventually } from "./fixtures/wait";

const dir = mkdtempSync(join(tmpdir(), "kubelab-node-bootstrap-"));
const ADMIN = "admin-token-node-bootstrap";
const APPROVER = "approver-token-node-bootstrap";
const KUBELET_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
const WANTED = new Set(["csrapproving", "csrsigning", "tokencleaner"]);

interface CSR {
  metadata: { name: string };
  spec: { username?: string; signerName: string };
  status?: { certificate?: string; conditions?: Array<{ type: string; reason?: string }> };
}

let server: TestServer;
let admin: ReturnType<typeof kubectlFor>;
let serving: { certFile: string };
let agent: TestAgent | undefined;
const token = generateBootstrapToken();
const nodeKubeconfig = join(dir, "na", "kubeconfig");
const certDir = join(dir, "na", "pki");

const kubeconfigFor = (user: Record<string, string>) =>
  stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "lab", cluster: { server: server.url, "certificate-authority-data": Buffer.from(readFileSync(serving.certFile)).toString("base64") } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "c", context: { cluster: "lab", user: "u" } }],
    "current-context": "c",
  });

const csrs = async (): Promise<CSR[]> => (JSON.parse(await admin.ok(["get", "csr", "-o", "json"])) as { items: CSR[] }).items;
const csrNamed = async (name: string): Promise<CSR> => JSON.parse(await admin.ok(["get", "csr", name, "-o", "json"])) as CSR;
const createCSR = (as: ReturnType<typeof kubectlFor>, name: string, pem: string, signerName = KUBELET_SIGNER) =>
  as.ok(["create", "-f", "-"], JSON.stringify({ apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name }, spec: { request: Buffer.from(pem).toString("base64"), signerName, usages: ["digital signature", "key encipherment", "client auth"] } }));
const approved = (c: CSR) => (c.status?.conditions ?? []).some((x) => x.type === "Approved");

beforeAll(async () => {
  serving = ensureServingCert(dir);
  const ca = ensureClientCA(dir);
  writeFileSync(join(dir, "tokens.csv"), `${ADMIN},admin,admin,"system:masters"\n${APPROVER},approver,approver\n`);
  server = await startTestServer({
    args: [
      "--token-auth-file", join(dir, "tokens.csv"),
      "--tls-cert-file", serving.certFile, "--tls-private-key-file", join(dir, "tls", "apiserver.key"),
      "--client-ca-file", ca.certFile, "--enable-bootstrap-token-auth",
      "--cluster-signing-cert-file", ca.certFile, "--cluster-signing-key-file", ca.keyFile,
      "--disable-controllers", [...CONTROLLER_NAMES.filter((n) => !WANTED.has(n)), "gitsync"].join(","),
    ],
  });
  admin = kubectlFor(server.kubeconfig);
  await admin.ok(["create", "-f", "-"], JSON.stringify(bootstrapTokenSecret(token, { ttlMs: 3600_000, description: "node-bootstrap test" })));
  await admin.ok(["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: "nb" } }));
  writeFileSync(join(dir, "bootstrap.kubeconfig"), kubeconfigFor({ token }));
}, 60_000);
afterAll(async () => {
  await agent?.cleanup();
  await server?.stop();
});

describe("kubelet TLS bootstrap", () => {
  it("gets the agent its own certificate, with which it is system:node:<name> and nothing more", async () => {
    agent = await startTestAgent({
      address: "127.0.0.133",
      nodeName: "na",
      kubeconfig: nodeKubeconfig,
      args: ["--bootstrap-kubeconfig", join(dir, "bootstrap.kubeconfig"), "--cert-dir", certDir, "--node-status-update-frequency", "1s", "--pod-cidr", "10.249.133.0/24"],
    });
    // The request the bootstrap token made, approved by the controller manager and signed.
    const list = await admin.ok(["get", "csr"]);
    expect(list.split("\n")[0]).toMatch(/^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION$/);
    expect(list).toMatch(new RegExp(`node-csr-\\w+\\s+\\S+\\s+${KUBELET_SIGNER}\\s+system:bootstrap:${token.slice(0, 6)}\\s+<none>\\s+Approved,Issued`));
    const csr = (await csrs()).find((c) => c.spec.username === `system:bootstrap:${token.slice(0, 6)}`)!;
    expect(csr.status?.conditions?.find((c) => c.type === "Approved")?.reason).toBe("AutoApproved");
    const cert = new X509Certificate(Buffer.from(csr.status!.certificate!, "base64"));
    expect(cert.subject).toBe("CN=system:node:na\nO=system:nodes");
    expect(cert.checkIssued(new X509Certificate(readFileSync(join(dir, "tls", "client-ca.crt"))))).toBe(true);
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeGreaterThan(360 * 86400_000);
    expect(statSync(nodeKubeconfig).mode & 0o777).toBe(0o600);
    expect(statSync(join(certDir, "kubelet-client-current.pem")).mode & 0o777).toBe(0o600);

    const node = kubectlFor(nodeKubeconfig);
    const who = JSON.parse(await node.ok(["auth", "whoami", "-o", "json"])) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(who.status.userInfo.username).toBe("system:node:na");
    expect(who.status.userInfo.groups).toContain("system:nodes");
    // The agent works under it: its Node is registered and Ready.
    await eventually(async () => (JSON.parse(await admin.ok(["get", "node", "na", "-o", "json"])) as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"), 30_000, "node na Ready");
    // ... and the Node authorizer holds it to its own Node.
    const other = await node.run(["label", "node", "nb", "owned=by-a"]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain(`nodes "nb" is forbidden: User "system:node:na" cannot patch resource "nodes" in API group "" at the cluster scope: node 'na' cannot modify node 'nb'`);
    expect((await node.run(["get", "secrets", "-A"])).code).not.toBe(0);
  }, 90_000);

  it("reuses the certificate when the agent restarts", async () => {
    const before = (await csrs()).length;
    await agent!.kill("SIGTERM");
    await agent!.start();
    expect(agent!.logs()).toContain("using the node's client certificate");
    expect((await csrs()).length).toBe(before);
  }, 60_000);

  it("does not approve a node's request for another node's certificate, nor a bootstrapper's that is not a kubelet's", async () => {
    const node = kubectlFor(nodeKubeconfig);
    const bootstrapper = kubectlFor(join(dir, "bootstrap.kubeconfig"));
    await createCSR(node, "na-asks-for-nb", nodeClientCSR(newPrivateKey(), "nb"));
    await createCSR(bootstrapper, "bootstrapper-asks-for-masters", makeCSR(newPrivateKey(), { commonName: "system:node:nc", organizations: ["system:masters"] }));
    // The approver works through its queue in order: once the renewal made after them is
    // approved, it has looked at both.
    await createCSR(node, "na-renews", nodeClientCSR(newPrivateKey(), "na"));
    const renewal = await eventually(async () => {
      const c = await csrNamed("na-renews");
      return c.status?.certificate ? c : undefined;
    }, 30_000, "the renewal to be issued");
    expect(renewal.status?.conditions?.find((c) => c.type === "Approved")?.reason).toBe("AutoApproved");
    for (const name of ["na-asks-for-nb", "bootstrapper-asks-for-masters"]) {
      const c = await csrNamed(name);
      expect(approved(c), name).toBe(false);
      expect(c.status?.certificate, name).toBeUndefined();
    }
    expect(await admin.ok(["get", "csr", "na-asks-for-nb"])).toMatch(/system:node:na\s+<none>\s+Pending/);
  }, 60_000);

  it("refuses an expired bootstrap token with 401, and the token cleaner removes its Secret", async () => {
    const expired = generateBootstrapToken();
    const secret = bootstrapTokenSecret(expired, { ttlMs: -60_000 });
    await admin.ok(["create", "-f", "-"], JSON.stringify(secret));
    const tls = new Agent({ connect: { ca: readFileSync(serving.certFile) } });
    const call = (t: string) => undiciFetch(`${server.url}/apis/certificates.k8s.io/v1/certificatesigningrequests`, { headers: { Authorization: `Bearer ${t}` }, dispatcher: tls });
    const r = await call(expired);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { message: string }).message).toBe("Unauthorized");
    expect((await call(token)).status).toBe(200);
    await eventually(async () => (await admin.run(["get", "secret", "-n", "kube-system", secret.metadata.name])).stderr.includes("NotFound"), 30_000, "the expired token's Secret to be deleted");
    await consistently(async () => (await admin.run(["get", "secret", "-n", "kube-system", `bootstrap-token-${token.slice(0, 6)}`])).code === 0, 500, "the live token's Secret to stay");
  }, 60_000);

  it("lets a person approve a client certificate with kubectl certificate approve, which the signer then issues", async () => {
    const key = newPrivateKey();
    await createCSR(admin, "jane", makeCSR(key, { commonName: "jane", organizations: ["dev"] }), "kubernetes.io/kube-apiserver-client");
    expect(await admin.ok(["get", "csr", "jane"])).toMatch(/jane\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+admin\s+<none>\s+Pending/);
    expect(await admin.ok(["certificate", "approve", "jane"])).toContain("certificatesigningrequest.certificates.k8s.io/jane approved");
    const issued = await eventually(async () => (await csrNamed("jane")).status?.certificate, 30_000, "jane's certificate");
    writeFileSync(join(dir, "jane.kubeconfig"), kubeconfigFor({ "client-certificate-data": issued, "client-key-data": Buffer.from(key).toString("base64") }));
    expect(await kubectlFor(join(dir, "jane.kubeconfig")).ok(["auth", "whoami"])).toMatch(/Username\s+jane[\s\S]*Groups\s+\[dev system:authenticated\]/);
    expect(await admin.ok(["get", "csr", "jane"])).toMatch(/Approved,Issued/);
  }, 60_000);

  it("lets only a user with approve on the request's signer approve it with kubectl (CertificateApproval admission)", async () => {
    await createCSR(admin, "bob", makeCSR(newPrivateKey(), { commonName: "bob" }), "kubernetes.io/kube-apiserver-client");
    writeFileSync(join(dir, "approver.kubeconfig"), kubeconfigFor({ token: APPROVER }));
    const approver = kubectlFor(join(dir, "approver.kubeconfig"));
    // RBAC lets the approver write the approval subresource; admission asks for the signer too.
    await admin.ok(["create", "clusterrole", "csr-approver", "--verb=get,list,update", "--resource=certificatesigningrequests,certificatesigningrequests/approval"]);
    await admin.ok(["create", "clusterrolebinding", "csr-approver", "--clusterrole=csr-approver", "--user=approver"]);
    const refused = await approver.run(["certificate", "approve", "bob"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`certificatesigningrequests.certificates.k8s.io "bob" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"`);
    expect(approved(await csrNamed("bob"))).toBe(false);
    // approve on signers/<domain>/* is enough, as in Kubernetes.
    await admin.ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "kubernetes-io-signers-approver" }, rules: [{ apiGroups: ["certificates.k8s.io"], resources: ["signers"], resourceNames: ["kubernetes.io/*"], verbs: ["approve"] }] }));
    await admin.ok(["create", "clusterrolebinding", "kubernetes-io-signers-approver", "--clusterrole=kubernetes-io-signers-approver", "--user=approver"]);
    await eventually(async () => (await approver.run(["certificate", "approve", "bob"])).code === 0, 15_000, "approver's approval accepted");
    expect(approved(await csrNamed("bob"))).toBe(true);
    await eventually(async () => (await csrNamed("bob")).status?.certificate, 30_000, "bob's certificate issued by the controller manager's signer");
  }, 60_000);

  it("answers a LocalSubjectAccessReview about its own namespace only", async () => {
    const tls = new Agent({ connect: { ca: readFileSync(serving.certFile) } });
    const review = (ns: string, spec: object, metadata: object = {}) =>
      undiciFetch(`${server.url}/apis/authorization.k8s.io/v1/namespaces/${ns}/localsubjectaccessreviews`, { method: "POST", dispatcher: tls, headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json" }, body: JSON.stringify({ apiVersion: "authorization.k8s.io/v1", kind: "LocalSubjectAccessReview", metadata, spec }) });
    const ask = (user: string, groups: string[], verb: string, resource: string, group = "") => ({ user, groups, resourceAttributes: { namespace: "default", verb, resource, group } });
    const bootstrapper = await review("default", ask(`system:bootstrap:${token.slice(0, 6)}`, ["system:bootstrappers"], "create", "certificatesigningrequests", "certificates.k8s.io"));
    expect(bootstrapper.status).toBe(201);
    const yes = (await bootstrapper.json()) as { kind: string; metadata: { namespace: string }; status: { allowed: boolean } };
    expect([yes.kind, yes.metadata.namespace, yes.status.allowed]).toEqual(["LocalSubjectAccessReview", "default", true]);
    const no = (await (await review("default", ask("system:bootstrap:x", ["system:bootstrappers"], "get", "secrets"))).json()) as { status: { allowed: boolean } };
    expect(no.status.allowed).toBe(false);
    const elsewhere = await review("default", { user: "jane", resourceAttributes: { namespace: "kube-system", verb: "get", resource: "pods" } });
    expect(elsewhere.status).toBe(422);
    expect(((await elsewhere.json()) as { message: string }).message).toContain("spec.resourceAttributes.namespace: Invalid value: \"kube-system\": must match metadata.namespace");
    expect((await review("default", { user: "jane", nonResourceAttributes: { path: "/healthz", verb: "get" } })).status).toBe(422);
    expect((await review("default", ask("jane", [], "get", "pods"), { namespace: "other" })).status).toBe(400);
  });

  it("refuses a request that is not a PEM CSR with 422 and the field", async () => {
    const r = await admin.run(["create", "-f", "-"], JSON.stringify({ apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name: "junk" }, spec: { request: Buffer.from("not a csr").toString("base64"), signerName: KUBELET_SIGNER, usages: ["client auth"] } }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`The CertificateSigningRequest "junk" is invalid: spec.request: Invalid value: "<certificate request>": PEM block type must be CERTIFICATE REQUEST`);
    const noUsages = await admin.run(["create", "-f", "-"], JSON.stringify({ apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name: "nousages" }, spec: { request: Buffer.from(nodeClientCSR(newPrivateKey(), "x")).toString("base64"), signerName: "example" } }));
    expect(noUsages.stderr).toContain("spec.usages: Required value");
    expect(noUsages.stderr).toContain("spec.signerName: Invalid value: \"example\": must be a fully qualified domain and path of the form 'example.com/signer-name'");
  });
});
