// Client certificates over a real TLS listener: a verified certificate names its user on every
// request of its connection while it is valid, and no longer once it has expired, even on the
// same kept-alive connection (the TLS layer checked its dates only at the handshake).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateClientCertificate, clientCertificateOptions } from "./x509";

type Pem = { cert: string; key: string };

function certificate(subject: forge.pki.CertificateField[], notAfter: Date, issuer?: Pem & { subject: forge.pki.CertificateField[] }, ext: object[] = []): Pem {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = String(Math.floor(Math.random() * 1e9));
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(issuer?.subject ?? subject);
  cert.setExtensions(ext);
  cert.sign(issuer ? forge.pki.privateKeyFromPem(issuer.key) : keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

describe("x509 client certificates", () => {
  let dir: string;
  let server: Server;
  let port: number;
  let ca: Pem & { subject: forge.pki.CertificateField[] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kubelab-x509-"));
    const caSubject = [{ name: "commonName", value: "test-client-ca" }];
    ca = { ...certificate(caSubject, new Date(Date.now() + 3600_000), undefined, [{ name: "basicConstraints", cA: true }]), subject: caSubject };
    writeFileSync(join(dir, "ca.crt"), ca.cert);
    const serving = certificate([{ name: "commonName", value: "127.0.0.1" }], new Date(Date.now() + 3600_000), undefined, [
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] },
    ]);
    writeFileSync(join(dir, "serving.crt"), serving.cert);
    server = createServer({ cert: serving.cert, key: serving.key, ...clientCertificateOptions(join(dir, "ca.crt")) }, (req, res) => {
      const user = authenticateClientCertificate(req);
      res.end(JSON.stringify({ user: user?.name ?? null, groups: user?.groups ?? [], port: req.socket.remotePort }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  }, 60_000);

  afterAll(() => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ask = (agent: Agent) =>
    new Promise<{ user: string | null; groups: string[]; port: number }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(JSON.parse(body) as { user: string | null; groups: string[]; port: number }));
      });
      req.on("error", reject);
      req.end();
    });

  it("names the user while the certificate is valid, and nobody after it expired, on the same connection", async () => {
    // X.509 times have whole seconds: valid for the next 3 of them.
    const notAfter = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    const client = certificate([{ name: "commonName", value: "system:node:n1" }, { name: "organizationName", value: "system:nodes" }], notAfter, ca, [
      { name: "extKeyUsage", clientAuth: true },
    ]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1, cert: client.cert, key: client.key, ca: readFileSync(join(dir, "serving.crt"), "utf8") });
    try {
      const first = await ask(agent);
      expect(first).toMatchObject({ user: "system:node:n1", groups: ["system:nodes"] });
      // Wait until the certificate's notAfter has passed (the condition is the clock itself).
      await new Promise<void>((resolve) => {
        const check = () => (Date.now() > notAfter.getTime() + 50 ? resolve() : setTimeout(check, Math.max(10, notAfter.getTime() + 60 - Date.now())));
        check();
      });
      const later = await ask(agent);
      expect(later.port).toBe(first.port); // the same kept-alive connection
      expect(later.user).toBeNull();
    } finally {
      agent.destroy();
    }
  }, 60_000);
});
