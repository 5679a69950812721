import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connectionFromKubeconfig, connectionFromOptions, readKubeconfig } from "./kubeconfig";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "kubelab-kubeconfig-"));
  dirs.push(d);
  return d;
}

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("kubeconfig", () => {
  it("uses the current context's cluster and user", () => {
    const dir = tempDir();
    const file = join(dir, "config");
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
current-context: lab
clusters:
- name: other
  cluster: { server: "https://other:6443" }
- name: lab
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: ${Buffer.from(PEM).toString("base64")}
users:
- name: admin
  user: { token: s3cret }
contexts:
- name: other
  context: { cluster: other, user: admin }
- name: lab
  context: { cluster: lab, user: admin, namespace: apps }
`,
    );
    const info = readKubeconfig(file);
    expect(info.contextName).toBe("lab");
    expect(info.namespace).toBe("apps");
    const conn = connectionFromKubeconfig(file);
    expect(conn.server).toBe("https://10.0.0.1:6443");
    expect(conn.ca).toBe(PEM);
    expect(conn.token()).toBe("s3cret");
    expect(conn.insecureSkipTLSVerify).toBe(false);
    expect(connectionFromKubeconfig(file, "other").server).toBe("https://other:6443");
  });

  it("reads the CA and token from files relative to the kubeconfig", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ca.pem"), PEM);
    writeFileSync(join(dir, "token"), "from-file\n");
    const file = join(dir, "config");
    writeFileSync(
      file,
      `current-context: c
clusters: [{ name: k, cluster: { server: "https://h:1", certificate-authority: ca.pem } }]
users: [{ name: u, user: { tokenFile: token } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
`,
    );
    const conn = connectionFromKubeconfig(file);
    expect(conn.ca).toBe(PEM);
    expect(conn.token()).toBe("from-file");
  });

  it("explains what is missing in a broken kubeconfig", () => {
    const dir = tempDir();
    const file = join(dir, "config");
    writeFileSync(file, "current-context: gone\ncontexts: []\n");
    expect(() => connectionFromKubeconfig(file)).toThrow(/context "gone" not found/);
  });

  it("accepts plain options with PEM or base64 CA data and refuses non-http URLs", () => {
    expect(connectionFromOptions({ server: "http://127.0.0.1:8080" }).token()).toBeUndefined();
    expect(connectionFromOptions({ server: "https://x", caData: PEM }).ca).toBe(PEM);
    expect(connectionFromOptions({ server: "https://x", caData: Buffer.from(PEM).toString("base64") }).ca).toBe(PEM);
    expect(connectionFromOptions({ server: "https://x", insecureSkipTLSVerify: true }).insecureSkipTLSVerify).toBe(true);
    expect(() => connectionFromOptions({ server: "127.0.0.1:6443" })).toThrow(/http/);
  });
});
