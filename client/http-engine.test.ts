// The HTTP engine contract (http-engine.ts), held for both engines against a real local server.
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../test/fixtures/wait";
import type { EngineRequest, HttpEngine } from "./http-engine";
import { nodeEngine } from "./node-engine";
import { undiciEngine } from "./undici-engine";

let server: Server;
let origin = "";
const connections: Socket[] = [];
/** Connections the client closed (the server saw its FIN before closing them itself). */
const closedByClient = new Set<Socket>();
/** Called for paths the fixed routes below do not answer. */
let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/echo") {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const groups = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i].toLowerCase() === "impersonate-group").length;
        res.setHeader("x-repeated", ["one", "two"]);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ method: req.method, query: url.search, body, length: req.headers["content-length"], groups, port: req.socket.remotePort }));
      });
      return;
    }
    if (url.pathname === "/missing") {
      res.statusCode = 404;
      res.end("no such thing");
      return;
    }
    handler(req, res);
  });
  server.keepAliveTimeout = 3000; // sent as the hint "Keep-Alive: timeout=3"
  server.on("connection", (s: Socket) => {
    connections.push(s);
    s.once("end", () => closedByClient.add(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const s of connections) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const request = (engine: HttpEngine, path: string, more: Partial<EngineRequest> = {}) =>
  engine.pool().request({ origin, path, method: "GET", headers: {}, signal: new AbortController().signal, ...more });

describe.each([nodeEngine, undiciEngine].map((e) => [e.name, e] as const))("the %s HTTP engine", (_, engine) => {
  it("sends the method, query, body and repeated headers, and returns status, lower-case headers and the body", async () => {
    const res = await request(engine, "/echo?a=1&b=two", { method: "POST", body: '{"x":"ü"}', headers: { "content-type": "application/json", "impersonate-group": ["a", "b"] } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["x-repeated"]).toEqual(["one", "two"]);
    expect(JSON.parse(await res.text())).toEqual({ method: "POST", query: "?a=1&b=two", body: '{"x":"ü"}', length: String(Buffer.byteLength('{"x":"ü"}')), groups: 2, port: expect.any(Number) });
  });

  it("resolves with a status that is not 2xx (the caller decides what it means)", async () => {
    const res = await request(engine, "/missing");
    expect(res.statusCode).toBe(404);
    expect(await res.text()).toBe("no such thing");
  });

  it("streams the body as it arrives, and drops the connection when the reader destroys it", async () => {
    let serverSide: ServerResponse | undefined;
    handler = (_req, res) => {
      serverSide = res;
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first\n");
    };
    const res = await request(engine, "/stream");
    const chunks = res.body[Symbol.asyncIterator]();
    expect(String((await chunks.next()).value)).toBe("first\n");
    res.body.destroy();
    await eventually(() => serverSide?.destroyed === true || serverSide?.socket?.destroyed !== false, 5000, "the server sees the connection dropped");
  });

  it("rejects when the signal aborts before the response, and errors the body when it aborts after", async () => {
    handler = () => undefined; // never answers
    const early = new AbortController();
    const pending = request(engine, "/hang", { signal: early.signal });
    early.abort(new Error("gave up"));
    await expect(pending).rejects.toThrow();

    handler = (_req, res) => {
      res.writeHead(200);
      res.write("part");
    };
    const late = new AbortController();
    const res = await request(engine, "/half", { signal: late.signal });
    const text = res.text();
    late.abort(new Error("gave up"));
    await expect(text).rejects.toThrow();
  });

  it("rejects a body the server cut short", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("only part of it");
      setImmediate(() => res.socket?.destroy());
    };
    const res = await request(engine, "/short");
    await expect(res.text()).rejects.toThrow();
  });

  it("rejects a refused connection with its code", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await engine
      .pool()
      .request({ origin: `http://127.0.0.1:${port}`, path: "/", method: "GET", headers: {}, signal: new AbortController().signal })
      .catch((e: unknown) => e as Error & { code?: string; cause?: { code?: string } });
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
  });

  it("keeps the connection for the next call, drops it idle before the server's keep-alive hint runs out, then opens a new one", async () => {
    const pool = engine.pool();
    const call = async () => {
      const res = await pool.request({ origin, path: "/echo", method: "GET", headers: {}, signal: new AbortController().signal });
      return JSON.parse(await res.text()) as { port: number };
    };
    // The pool takes a connection back in the turn after its response ended: five calls in a row
    // open one connection at most (none when the pool holds one from the calls above).
    const turn = () => new Promise((r) => setImmediate(r));
    const opened = connections.length;
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++) {
      ports.add((await call()).port);
      await turn();
    }
    expect(connections.length - opened).toBeLessThanOrEqual(1);
    // Idle, the client drops the connections before the server's hint (3 s) runs out, so that no
    // request goes out on a connection the server is closing; the next call opens a new one.
    const idle = connections.filter((s) => ports.has(s.remotePort!));
    await eventually(() => idle.every((s) => s.destroyed), 10_000, "the idle connections end");
    expect(idle.filter((s) => !closedByClient.has(s)).length, "connections the server had to close").toBe(0);
    expect(ports.has((await call()).port)).toBe(false);
  });
});
