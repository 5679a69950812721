// The GCE lab serves the API over TLS and requires bearer tokens: kubectl works with the written
// kubeconfig, and a request without the token is refused.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./fixtures/server";
import { kubectlFor } from "./fixtures/kubectl";

const dir = mkdtempSync(join(tmpdir(), "kubelab-tls-"));
let server: TestServer;

beforeAll(async () => {
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kubelab",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  writeFileSync(join(dir, "tokens.csv"), `s3cret-token,admin,1,"system:masters"\n`);
  server = await startTestServer({
    args: ["--disable-controllers", "all", "--tls-cert-file", join(dir, "cert.pem"), "--tls-private-key-file", join(dir, "key.pem"), "--token-auth-file", join(dir, "tokens.csv")],
  });
});
afterAll(async () => {
  await server?.stop();
});

describe("TLS and bearer tokens", () => {
  it("lets kubectl in with the written kubeconfig (CA data and token)", async () => {
    expect(server.url).toMatch(/^https:\/\//);
    expect(await kubectlFor(server.kubeconfig).ok(["get", "namespaces", "-o", "name"])).toContain("namespace/default");
  });

  it("refuses a request without the token, or with a wrong one, with 401", async () => {
    const insecure = new Agent({ connect: { rejectUnauthorized: false } });
    const noToken = await undiciFetch(`${server.url}/api/v1/namespaces`, { dispatcher: insecure });
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { reason: string }).reason).toBe("Unauthorized");
    const wrong = await undiciFetch(`${server.url}/api/v1/namespaces`, { dispatcher: insecure, headers: { Authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const health = await undiciFetch(`${server.url}/healthz`, { dispatcher: insecure });
    expect(health.status).toBe(200);
    await insecure.close();
  });
});
