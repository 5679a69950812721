// The lab's HAProxy (its own configuration, the real /usr/sbin/haproxy) in front of two small HTTPS
// servers that play API servers whose /readyz we switch: one failing /readyz leaves the rotation
// while the other passes; when none passes (etcd without quorum: every server's /readyz fails)
// requests still reach them, so the client gets their answer (the 503 Status) and not a closed
// connection; a server that is gone is skipped.
import { createServer, type Server } from "node:https";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfSignedServingCert } from "../infra/local/access";
import { haproxyServerStates, startHaproxy } from "../infra/local/ha/haproxy";
import { stopProcess, type LabProcess } from "../infra/local/processes";
import { freePort } from "./fixtures/etcd";
import { eventually } from "./fixtures/wait";

const dir = mkdtempSync(join(tmpdir(), "kubelab-haproxy-"));
const ready = { a: true, b: true };
const backends: Record<"a" | "b", Server> = {} as never;
let haproxy: LabProcess;
let url: string;
let statsSocket: string;
let ca: Buffer;

function backend(name: "a" | "b", cert: { key: Buffer; cert: Buffer }): Server {
  return createServer(cert, (req, res) => {
    if (req.url === "/readyz") {
      res.writeHead(ready[name] ? 200 : 500).end(ready[name] ? "ok" : "[-]etcd failed: reason withheld\nreadyz check failed\n");
      return;
    }
    const code = ready[name] ? 200 : 503;
    res.writeHead(code, { "Content-Type": "application/json", Connection: "close" }).end(JSON.stringify({ from: name, code }));
  });
}

beforeAll(async () => {
  selfSignedServingCert(join(dir, "tls.crt"), join(dir, "tls.key"), "IP:127.0.0.1");
  const cert = { key: readFileSync(join(dir, "tls.key")), cert: readFileSync(join(dir, "tls.crt")) };
  ca = cert.cert;
  const servers: Array<{ name: string; address: string }> = [];
  for (const name of ["a", "b"] as const) {
    backends[name] = backend(name, cert);
    const port = await freePort();
    await new Promise<void>((r) => backends[name].listen(port, "127.0.0.1", r));
    servers.push({ name, address: `127.0.0.1:${port}` });
  }
  const port = await freePort();
  statsSocket = join(dir, "haproxy.sock");
  haproxy = startHaproxy(dir, dir, { listen: `127.0.0.1:${port}`, statsSocket, servers });
  url = `https://127.0.0.1:${port}/api`;
  await states({ a: "UP", b: "UP" });
}, 60_000);

afterAll(async () => {
  if (haproxy) await stopProcess(haproxy.pid, 5000);
  for (const s of Object.values(backends)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until HAProxy's checks see each server so. */
const states = (want: Record<string, string>) =>
  eventually(async () => {
    const got = await haproxyServerStates(statsSocket).catch(() => ({}));
    return JSON.stringify(got) === JSON.stringify(want) ? got : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200, what: `HAProxy sees ${JSON.stringify(want)}` });

/** Who answers n requests, each on a new connection (HAProxy balances connections). */
async function answers(n = 6): Promise<Array<{ from: string; code: number }>> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const dispatcher = new Agent({ connect: { ca } });
    try {
      const r = await undiciFetch(url, { dispatcher });
      out.push((await r.json()) as { from: string; code: number });
    } finally {
      await dispatcher.close();
    }
  }
  return out;
}

describe("HAProxy in front of the masters", () => {
  it("balances over the servers that pass /readyz", async () => {
    expect(new Set((await answers()).map((a) => a.from))).toEqual(new Set(["a", "b"]));
  });

  it("takes out a server whose /readyz fails while another passes", async () => {
    ready.b = false;
    await states({ a: "UP", b: "DOWN" });
    expect((await answers()).map((a) => a.from)).toEqual(Array(6).fill("a"));
  });

  it("when no server passes, still hands requests to them: the client gets their 503, not a closed connection", async () => {
    ready.a = false;
    await states({ a: "DOWN", b: "DOWN" });
    const got = await answers();
    expect(got.every((a) => a.code === 503)).toBe(true);
    expect(new Set(got.map((a) => a.from))).toEqual(new Set(["a", "b"]));
  });

  it("skips a server that is gone, also then", async () => {
    await new Promise<void>((r) => backends.a.close(() => r()));
    expect((await answers()).map((a) => `${a.from} ${a.code}`)).toEqual(Array(6).fill("b 503"));
  });

  it("puts a server back in the rotation once its /readyz passes again", async () => {
    ready.b = true;
    await states({ a: "DOWN", b: "UP" });
    expect((await answers()).map((a) => `${a.from} ${a.code}`)).toEqual(Array(6).fill("b 200"));
  });
});
