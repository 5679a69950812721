import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../test/fixtures/server";
import { ApiStatusError, isConnectionError } from "./errors";
import { readKubeconfig } from "./kubeconfig";
import { RestClient } from "./rest";
import { namespaces } from "./resources";

let server: TestServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubelab-client-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=kubelab-test", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  writeFileSync(join(dir, "tokens.csv"), "test-token-123,admin,uid-1,system:masters\n");
  server = await startTestServer({
    args: [
      "--disable-controllers", "all",
      "--tls-cert-file", join(dir, "cert.pem"),
      "--tls-private-key-file", join(dir, "key.pem"),
      "--token-auth-file", join(dir, "tokens.csv"),
    ],
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("RestClient over https with a bearer token", () => {
  it("trusts the cluster CA and sends the token from the kubeconfig", async () => {
    expect(server.url.startsWith("https://")).toBe(true);
    const client = RestClient.fromKubeconfig(server.kubeconfig);
    const list = await client.list(namespaces);
    expect(list.items.map((n) => n.metadata.name)).toContain("default");
  });

  it("refuses a server whose certificate it cannot verify", async () => {
    const { options } = readKubeconfig(server.kubeconfig);
    const client = new RestClient({ server: options.server, token: options.token });
    const err = await client.list(namespaces).catch((e: unknown) => e);
    expect(isConnectionError(err)).toBe(true);
    const insecure = new RestClient({ server: options.server, token: options.token, insecureSkipTLSVerify: true });
    expect((await insecure.list(namespaces)).items.length).toBeGreaterThan(0);
  });

  it("gets 401 Unauthorized without a valid token", async () => {
    const { options } = readKubeconfig(server.kubeconfig);
    const client = new RestClient({ ...options, token: "wrong", tokenFile: undefined });
    const err = await client.list(namespaces).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiStatusError);
    expect((err as ApiStatusError).code).toBe(401);
  });
});
