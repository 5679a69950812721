// Authentication with the real kubectl against a real TLS server: the static token, x509 client
// certificates signed by the client CA, and ServiceAccount tokens from `kubectl create token`,
// with `kubectl auth whoami` saying who each one is; expired, wrong-audience and unbound tokens
// refused; and the ServiceAccount key shared by two API servers on one etcd.
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importPKCS8, SignJWT } from "jose";
import { Agent, fetch as undiciFetch } from "undici";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureClientCA, ensureServiceAccountKey, ensureServingCert, issueClientCertificate } from "../infra/local/access";
import { kubectlFor } from "./fixtures/kubectl";
import { startServersOnEtcd, type ServersOnEtcd } from "./fixtures/servers-on-etcd";
import type { TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const dir = mkdtempSync(join(tmpdir(), "kubelab-authn-"));
const ADMIN_TOKEN = "authn-test-admin-token";
const ISSUER = "https://kubernetes.default.svc.cluster.local";
let ha: ServersOnEtcd;
let server: TestServer;
let admin: ReturnType<typeof kubectlFor>;
let serving: { certFile: string };
let saKeyFile: string;

beforeAll(async () => {
  serving = ensureServingCert(dir);
  const ca = ensureClientCA(dir);
  saKeyFile = ensureServiceAccountKey(dir);
  writeFileSync(join(dir, "tokens.csv"), `${ADMIN_TOKEN},admin,admin-uid,"system:masters"\n`);
  // Two API servers on one etcd, sharing the key file (the HA shape); most tests use the first.
  ha = await startServersOnEtcd(2, [
    "--disable-controllers", "all",
    "--tls-cert-file", serving.certFile, "--tls-private-key-file", join(dir, "tls", "apiserver.key"),
    "--token-auth-file", join(dir, "tokens.csv"),
    "--client-ca-file", ca.certFile,
    "--service-account-signing-key-file", saKeyFile, "--service-account-key-file", saKeyFile,
  ]);
  server = ha.servers[0]!;
  admin = kubectlFor(server.kubeconfig);
  await admin.ok(["create", "serviceaccount", "robot"]);
  issueClientCertificate(ca, join(dir, "certs"), "alice", ["dev", "qa"]);
  issueClientCertificate(ca, join(dir, "certs"), "ops", ["system:masters"]);
}, 60_000);
afterAll(async () => {
  await ha?.stop();
});

/** A kubeconfig for the test server with one user: a token or a client certificate. */
function kubeconfigFor(name: string, user: Record<string, string>, url = server.url): ReturnType<typeof kubectlFor> {
  const file = join(dir, `${name}.kubeconfig`);
  writeFileSync(file, stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: url, "certificate-authority-data": readFileSync(serving.certFile).toString("base64") } }],
    users: [{ name, user }],
    contexts: [{ name: "c", context: { cluster: "c", user: name, namespace: "default" } }],
    "current-context": "c",
  }), { mode: 0o600 });
  return kubectlFor(file);
}

const tokenUser = (token: string) => kubeconfigFor(`t${Math.random().toString(36).slice(2, 8)}`, { token });

async function whoami(k: ReturnType<typeof kubectlFor>) {
  const out = JSON.parse(await k.ok(["auth", "whoami", "-o", "json"])) as { status: { userInfo: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> } } };
  return out.status.userInfo;
}

async function expectUnauthorized(k: ReturnType<typeof kubectlFor>) {
  const r = await k.run(["get", "pods"]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain("You must be logged in to the server");
}

describe("kubectl auth whoami", () => {
  it("names the static token's user with system:authenticated added", async () => {
    expect(await whoami(admin)).toEqual({ username: "admin", uid: "admin-uid", groups: ["system:masters", "system:authenticated"] });
  });

  it("names a client certificate's CN and its O groups, and the certificate kubeconfig works", async () => {
    const alice = kubeconfigFor("alice", {
      "client-certificate-data": readFileSync(join(dir, "certs", "alice.crt")).toString("base64"),
      "client-key-data": readFileSync(join(dir, "certs", "alice.key")).toString("base64"),
    });
    expect(await whoami(alice)).toEqual({ username: "alice", groups: ["dev", "qa", "system:authenticated"] });
    const ops = kubeconfigFor("ops", {
      "client-certificate-data": readFileSync(join(dir, "certs", "ops.crt")).toString("base64"),
      "client-key-data": readFileSync(join(dir, "certs", "ops.key")).toString("base64"),
    });
    expect(await ops.ok(["get", "serviceaccounts", "-o", "name"])).toContain("serviceaccount/robot");
  });

  it("refuses a certificate the client CA did not sign", async () => {
    const other = ensureClientCA(join(dir, "other"));
    const mallory = issueClientCertificate(other, join(dir, "other-certs"), "mallory", ["system:masters"]);
    await expectUnauthorized(kubeconfigFor("mallory", {
      "client-certificate-data": readFileSync(mallory.certFile).toString("base64"),
      "client-key-data": readFileSync(mallory.keyFile).toString("base64"),
    }));
  });
});

describe("ServiceAccount tokens", () => {
  it("kubectl create token issues a token that authenticates as the ServiceAccount", async () => {
    const token = (await admin.ok(["create", "token", "robot", "--duration", "15m"])).trim();
    const sa = JSON.parse(await admin.ok(["get", "serviceaccount", "robot", "-o", "json"])) as { metadata: { uid: string } };
    const user = await whoami(tokenUser(token));
    expect(user.username).toBe("system:serviceaccount:default:robot");
    expect(user.uid).toBe(sa.metadata.uid);
    expect(user.groups).toEqual(["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]);
    expect(user.extra?.["authentication.kubernetes.io/credential-id"]?.[0]).toMatch(/^JTI=/);
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: ISSUER, aud: [ISSUER], sub: "system:serviceaccount:default:robot", "kubernetes.io": { namespace: "default", serviceaccount: { name: "robot", uid: sa.metadata.uid } } });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
  });

  it("a token one API server issues authenticates at the other, which shares the key file", async () => {
    const token = (await admin.ok(["create", "token", "robot"])).trim();
    const atSecond = kubeconfigFor("second", { token }, ha.servers[1]!.url);
    expect((await whoami(atSecond)).username).toBe("system:serviceaccount:default:robot");
  });

  it("refuses a duration under 10 minutes and a ServiceAccount that does not exist", async () => {
    const short = await admin.run(["create", "token", "robot", "--duration", "5m"]);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain("may not specify a duration less than 10 minutes");
    const missing = await admin.run(["create", "token", "nobody"]);
    expect(missing.stderr).toContain('serviceaccounts "nobody" not found');
  });

  it("refuses a token for another audience, an expired one and one signed by another key", async () => {
    const otherAudience = (await admin.ok(["create", "token", "robot", "--audience", "https://vault.example"])).trim();
    await expectUnauthorized(tokenUser(otherAudience));
    const sa = JSON.parse(await admin.ok(["get", "serviceaccount", "robot", "-o", "json"])) as { metadata: { uid: string } };
    const now = Math.floor(Date.now() / 1000);
    const claims = { "kubernetes.io": { namespace: "default", serviceaccount: { name: "robot", uid: sa.metadata.uid } } };
    const key = await importPKCS8(createPrivateKey(readFileSync(saKeyFile)).export({ type: "pkcs8", format: "pem" }) as string, "RS256");
    const expired = await new SignJWT(claims).setProtectedHeader({ alg: "RS256" }).setIssuer(ISSUER).setAudience(ISSUER)
      .setSubject("system:serviceaccount:default:robot").setIssuedAt(now - 7200).setNotBefore(now - 7200).setExpirationTime(now - 3600).sign(key);
    await expectUnauthorized(tokenUser(expired));
    const foreign = await importPKCS8(createPrivateKey(readFileSync(ensureServiceAccountKey(join(dir, "foreign")))).export({ type: "pkcs8", format: "pem" }) as string, "RS256");
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "RS256" }).setIssuer(ISSUER).setAudience(ISSUER)
      .setSubject("system:serviceaccount:default:robot").setIssuedAt(now).setExpirationTime(now + 3600).sign(foreign);
    await expectUnauthorized(tokenUser(forged));
  });

  it("a pod-bound token names its pod and stops working once the pod is deleted", async () => {
    await admin.ok(["run", "bound", "--image", "kubelab/pause:3.10", "--restart", "Never", "--overrides", JSON.stringify({ spec: { serviceAccountName: "robot" } })]);
    const token = (await admin.ok(["create", "token", "robot", "--bound-object-kind", "Pod", "--bound-object-name", "bound"])).trim();
    const robot = tokenUser(token);
    const user = await whoami(robot);
    expect(user.extra?.["authentication.kubernetes.io/pod-name"]).toEqual(["bound"]);
    await admin.ok(["delete", "pod", "bound", "--wait=false"]);
    await eventually(async () => (await robot.run(["get", "pods"])).stderr.includes("You must be logged in"), 10_000, "the deleted pod's token refused");
  });

  it("a Secret-bound token stops working once the Secret is deleted", async () => {
    await admin.ok(["create", "secret", "generic", "binding", "--from-literal", "k=v"]);
    const robot = tokenUser((await admin.ok(["create", "token", "robot", "--bound-object-kind", "Secret", "--bound-object-name", "binding"])).trim());
    expect((await whoami(robot)).username).toBe("system:serviceaccount:default:robot");
    await admin.ok(["delete", "secret", "binding"]);
    await expectUnauthorized(robot);
  });

  it("a new pod runs as default with the kube-api-access token volume mounted in its container", async () => {
    await admin.ok(["run", "plain", "--image", "kubelab/pause:3.10", "--restart", "Never"]);
    const pod = JSON.parse(await admin.ok(["get", "pod", "plain", "-o", "json"])) as {
      spec: { serviceAccountName: string; volumes: Array<{ name: string; projected?: { sources: Array<Record<string, unknown>> } }>; containers: Array<{ volumeMounts: Array<Record<string, unknown>> }> };
    };
    expect(pod.spec.serviceAccountName).toBe("default");
    const volume = pod.spec.volumes.find((v) => v.name.startsWith("kube-api-access-"))!;
    expect(volume.projected?.sources[0]).toEqual({ serviceAccountToken: { expirationSeconds: 3607, path: "token" } });
    expect(pod.spec.containers[0]!.volumeMounts).toEqual([{ name: volume.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }]);
  });

  it("answers a TokenReview for a valid and an invalid token", async () => {
    const token = (await admin.ok(["create", "token", "robot"])).trim();
    const dispatcher = new Agent({ connect: { ca: readFileSync(serving.certFile) } });
    const review = async (t: string) => {
      const res = await undiciFetch(`${server.url}/apis/authentication.k8s.io/v1/tokenreviews`, {
        method: "POST",
        dispatcher,
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token: t } }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { status: { authenticated?: boolean; user?: { username?: string }; audiences?: string[]; error?: string } }).status;
    };
    expect(await review(token)).toMatchObject({ authenticated: true, user: { username: "system:serviceaccount:default:robot" }, audiences: [ISSUER] });
    expect(await review("not-a-token")).toMatchObject({ authenticated: false, error: "invalid bearer token" });
    await dispatcher.close();
  });

  it("a token stops working when its ServiceAccount is deleted and made again (new uid)", async () => {
    await admin.ok(["create", "serviceaccount", "phoenix"]);
    const robot = tokenUser((await admin.ok(["create", "token", "phoenix"])).trim());
    expect((await whoami(robot)).username).toBe("system:serviceaccount:default:phoenix");
    await admin.ok(["delete", "serviceaccount", "phoenix"]);
    await admin.ok(["create", "serviceaccount", "phoenix"]);
    await expectUnauthorized(robot);
  });
});
