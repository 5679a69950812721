// The webhook on a real socket, as an attacker would call it: credentials are checked before any
// body is read, bodies are capped and timed, every bad request gets a Status and the listener
// keeps serving.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../test/fixtures/wait";
import { MAX_WEBHOOK_BODY, WEBHOOK_BODY_TIMEOUT_MS, webhookHttpHandler } from "./webhook-http";

const TOKEN = "s3cret-hook";
const triggered: string[] = [];
let server: Server;
let port: number;

beforeAll(async () => {
  const handler = webhookHttpHandler({
    trigger: (ns, name) => void triggered.push(`${ns}/${name}`),
    lookup: async (ns, name) => (ns === "default" && name === "lab" ? { token: TOKEN, branch: "main" } : ns === "boom" ? Promise.reject(new Error("API down")) : undefined),
  });
  server = createServer((req, res) => void handler(req, res, new URL(req.url ?? "/", "http://localhost")));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

interface RawConn {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  closed(): boolean;
  status(): number | undefined;
}

function open(head: string): RawConn {
  const socket = connect(port, "127.0.0.1");
  let data = "";
  let closed = false;
  socket.on("data", (c) => (data += c.toString()));
  socket.on("error", () => {});
  socket.on("close", () => (closed = true));
  socket.write(head);
  return {
    socket,
    received: () => data,
    closed: () => closed,
    status: () => (/^HTTP\/1\.1 (\d{3})/.exec(data) ? Number(/^HTTP\/1\.1 (\d{3})/.exec(data)![1]) : undefined),
  };
}
const head = (headers: Record<string, string | number>, path = "/hooks/gitops/default/lab") =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
const post = (body: string, headers: Record<string, string>, path = "/hooks/gitops/default/lab") =>
  fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers } });

describe("git-sync webhook on a socket", () => {
  it("refuses a request without a token with 401 before any of its body is sent", async () => {
    const c = open(head({ "Content-Length": 100, "Content-Type": "application/json" }));
    await eventually(() => c.status(), 5_000, "an answer");
    expect(c.status()).toBe(401);
    expect(c.received()).toContain('"reason":"Unauthorized"');
    await eventually(() => c.closed(), 5_000, "connection closed");
    // A GitHub signature must be present and well-formed before the body is read.
    const bad = open(head({ "Content-Length": 100, "X-Hub-Signature-256": "sha256=nothex" }));
    await eventually(() => bad.status(), 5_000, "an answer");
    expect(bad.status()).toBe(401);
    const wrong = open(head({ "Content-Length": 100, Authorization: "Bearer nope" }));
    await eventually(() => wrong.status(), 5_000, "an answer");
    expect(wrong.status()).toBe(401);
  });

  it("refuses a body over the limit with 413, declared or streamed", async () => {
    const declared = open(head({ "Content-Length": MAX_WEBHOOK_BODY + 1, Authorization: `Bearer ${TOKEN}` }));
    await eventually(() => declared.status(), 5_000, "an answer");
    expect(declared.status()).toBe(413);

    const streamed = open(head({ "Transfer-Encoding": "chunked", Authorization: `Bearer ${TOKEN}` }));
    const chunk = "x".repeat(64 * 1024);
    for (let i = 0; i < 20 && !streamed.closed(); i++) streamed.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await eventually(() => streamed.status(), 5_000, "an answer");
    expect(streamed.status()).toBe(413);
    await eventually(() => streamed.closed(), 5_000, "connection closed");
  });

  it("drops a client that sends its body a byte at a time with 408 within seconds", async () => {
    const started = Date.now();
    const slow = open(head({ "Content-Length": 100, Authorization: `Bearer ${TOKEN}` }));
    const drip = setInterval(() => slow.socket.write("{"), 1_000);
    try {
      await eventually(() => slow.closed(), WEBHOOK_BODY_TIMEOUT_MS + 5_000, "slow client dropped");
    } finally {
      clearInterval(drip);
    }
    expect(slow.status()).toBe(408);
    expect(Date.now() - started).toBeLessThan(WEBHOOK_BODY_TIMEOUT_MS + 3_000);
  }, 20_000);

  it("answers malformed JSON, bad paths and failing lookups with a Status, and keeps serving", async () => {
    const malformed = await post('{"ref": ', { Authorization: `Bearer ${TOKEN}` });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ kind: "Status", reason: "BadRequest" });
    expect((await post("[1]", { Authorization: `Bearer ${TOKEN}` })).status).toBe(400);
    expect((await post("{}", { Authorization: `Bearer ${TOKEN}` }, "/hooks/gitops/%zz/lab")).status).toBe(400);
    expect((await post("{}", { Authorization: `Bearer ${TOKEN}` }, "/hooks/gitops/boom/lab")).status).toBe(503);
    const body = JSON.stringify({ ref: "refs/heads/main", after: "abc" });
    const signed = await post(body, { "X-Hub-Signature-256": "sha256=" + createHmac("sha256", TOKEN).update(body).digest("hex") });
    expect(signed.status).toBe(202);
    expect(triggered).toContain("default/lab");
  });
});
