import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureClientCA, ensureServiceAccountKey, issueClientCertificate } from "./access";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("the lab's client CA and ServiceAccount key", () => {
  it("makes a client CA once, in a folder only its owner can enter, with a key only its owner can read", () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-access-"));
    const ca = ensureClientCA(dir);
    expect(mode(join(dir, "tls"))).toBe(0o700);
    expect(mode(ca.keyFile)).toBe(0o600);
    const cert = new X509Certificate(readFileSync(ca.certFile));
    expect(cert.ca).toBe(true);
    expect(ensureClientCA(dir).certFile).toBe(ca.certFile);
    expect(readFileSync(ensureClientCA(dir).certFile, "utf8")).toBe(readFileSync(ca.certFile, "utf8"));
  });

  it("issues client certificates the CA verifies, naming the user (CN) and its groups (O), for client auth only", () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-access-"));
    const ca = ensureClientCA(dir);
    const issued = issueClientCertificate(ca, join(dir, "users"), "jane", ["dev", "system:masters"]);
    const cert = new X509Certificate(readFileSync(issued.certFile));
    expect(cert.subject).toBe("CN=jane\nO=dev\nO=system:masters");
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    const caCert = new X509Certificate(readFileSync(ca.certFile));
    expect(cert.checkIssued(caCert) && cert.verify(caCert.publicKey)).toBe(true);
    expect(mode(issued.keyFile)).toBe(0o600);
  });

  it("makes one RSA ServiceAccount signing key and keeps it", () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-access-"));
    const key = ensureServiceAccountKey(dir);
    expect(mode(key)).toBe(0o600);
    expect(createPrivateKey(readFileSync(key)).asymmetricKeyType).toBe("rsa");
    const first = readFileSync(key, "utf8");
    expect(readFileSync(ensureServiceAccountKey(dir), "utf8")).toBe(first);
  });
});
