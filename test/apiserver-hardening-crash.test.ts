// The requests that once took the whole control plane down, and their relatives: each is now a
// Status with the right code, the server stays up and nothing is written.
import { connect } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./fixtures/server";
import { clusterState } from "./fuzz/cluster-state";

const TOKEN = "hardening-token-0123456789";
let server: TestServer;
const auth = { Authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubelab-hardening-"));
  const tokens = join(dir, "tokens.csv");
  writeFileSync(tokens, `${TOKEN},admin,1,system:masters\n`, { mode: 0o600 });
  server = await startTestServer({ args: ["--disable-controllers", "all", "--token-auth-file", tokens] });
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep" } };
  const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(cm) });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await server?.stop();
});

/** The raw answer to raw bytes: status code and the parsed body. */
function raw(bytes: string): Promise<{ code: number; body: any }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    let text = "";
    const s = connect(Number(port), hostname, () => s.end(bytes));
    s.on("data", (c: Buffer) => (text += c.toString("latin1")));
    s.on("error", reject);
    s.on("close", () => {
      const [head, ...rest] = text.split("\r\n\r\n");
      const body = rest.join("\r\n\r\n");
      resolve({ code: Number(head!.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0), body: body ? JSON.parse(body) : undefined });
    });
  });
}

async function alive(): Promise<boolean> {
  process.kill(server.pid(), 0);
  return (await fetch(`${server.url}/readyz`)).status === 200;
}

const get = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as any, headers: res.headers };
};

describe("requests that used to crash the server", () => {
  it("answers a path with a broken escape (%zz) with 400, before and after authentication", async () => {
    const before = await clusterState(server.url, auth);
    for (const headers of [{}, auth]) {
      const res = await fetch(`${server.url}/api/v1/namespaces/%zz/pods`, { headers });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
    }
    expect(await alive()).toBe(true);
    expect(await clusterState(server.url, auth)).toEqual(before);
  });

  it("answers a request line no URL parser takes (GET //[) with a 400 Status", async () => {
    for (const line of ["GET //[ HTTP/1.1", "POST //[ HTTP/1.1", "GET http://[/api HTTP/1.1"]) {
      const r = await raw(`${line}\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(r.code, line).toBe(400);
      expect(r.body).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
    }
    expect(await alive()).toBe(true);
  });

  it("answers what the HTTP parser refuses with a Status too", async () => {
    const r = await raw("GET / HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n");
    expect(r.code).toBe(400);
    expect(r.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
    expect(await alive()).toBe(true);
  });

  it("refuses names that are not path segments (an escaped /) with 400", async () => {
    // ("..", also as %2e%2e, is resolved by the URL parser as a browser would.)
    for (const p of ["/api/v1/namespaces/a%2Fb/configmaps", "/api/v1/namespaces/default/configmaps/a%2F..%2Fb", "/api/v1/namespaces/default/configmaps/50%25"]) {
      const r = await raw(`GET ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
      expect(r.code, p).toBe(400);
      expect(r.body.reason).toBe("BadRequest");
    }
  });
});

describe("numeric query parameters", () => {
  it.each(["limit=1e309", "limit=-1", "limit=abc", "limit=1.5", "resourceVersion=abc", "timeoutSeconds=abc&watch=true", "timeout=soon"])("answers %s with 400 BadRequest", async (query) => {
    const r = await get(`/api/v1/namespaces/default/configmaps?${query}`);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
  });

  it("refuses a junk gracePeriodSeconds without deleting, and junk log parameters", async () => {
    const before = await clusterState(server.url, auth);
    const del = await get("/api/v1/namespaces/default/configmaps/keep?gracePeriodSeconds=-5", { method: "DELETE" });
    expect(del.status).toBe(400);
    for (const q of ["tailLines=abc", "sinceSeconds=0", "limitBytes=1e309", "follow=maybe"]) {
      expect((await get(`/api/v1/namespaces/default/pods/nope/log?${q}`)).status, q).toBe(400);
    }
    expect(await clusterState(server.url, auth)).toEqual(before);
  });

  it("still serves what kubectl sends", async () => {
    expect((await get("/api/v1/namespaces/default/configmaps?limit=500&resourceVersion=0")).status).toBe(200);
    expect((await get("/version?timeout=32s")).status).toBe(200);
  });
});

describe("ambient credentials", () => {
  it("honours no cookie or basic credentials, only a bearer token", async () => {
    const before = await clusterState(server.url, auth);
    const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "csrf" } });
    for (const headers of <Array<Record<string, string>>>[{ Cookie: `token=${TOKEN}; Authorization=Bearer ${TOKEN}` }, { Authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString("base64")}` }, {}]) {
      const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body });
      expect(res.status).toBe(401);
    }
    // A browser's simple cross-origin POST: text/plain, no token.
    const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, { method: "POST", headers: { "Content-Type": "text/plain" }, body });
    expect([401, 415]).toContain(res.status);
    expect(await clusterState(server.url, auth)).toEqual(before);
  });
});
