import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "./testing";

// The agent's two ports are reachable from every pod: no request, however malformed, may take the
// process down, and each gets an answer (a Kubernetes Status) or, for bytes that are not HTTP, a
// 400 before the connection closes. Tested with raw sockets against a real `kubelab agent`.

const ADDRESS = "127.0.0.41";

/** Sends raw bytes and returns everything the agent answers before it closes (or 3 s pass). */
function raw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: ADDRESS, port });
    let out = "";
    const finish = (): void => {
      socket.destroy();
      resolve(out);
    };
    socket.setTimeout(3000, finish);
    socket.on("data", (c: Buffer) => {
      out += c.toString("latin1");
      // One full response is enough (keep-alive would keep the socket open).
      const head = out.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(out)?.[1];
      if (head >= 0 && length !== undefined && out.length >= head + 4 + Number(length)) finish();
    });
    socket.on("error", finish);
    socket.on("close", finish);
    socket.write(bytes);
  });
}

function statusOf(response: string): { code: number; body: { kind?: string; code?: number; reason?: string; message?: string } } {
  const code = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
  const body = response.slice(response.indexOf("\r\n\r\n") + 4);
  return { code, body: body.startsWith("{") ? JSON.parse(body) : {} };
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: agent\r\nConnection: close\r\n\r\n`;

describe("the agent's ports under malformed requests", () => {
  let agent: TestAgent;

  // No pods and no images: the listeners are what is tested.
  beforeAll(async () => {
    agent = await startTestAgent({ address: ADDRESS, manifestDir: false });
  }, 60_000);
  afterAll(async () => {
    await agent?.cleanup();
  });

  async function alive(): Promise<void> {
    const res = await fetch(`http://${ADDRESS}:${agent.readOnlyPort}/healthz`);
    expect(await res.text()).toBe("ok");
    const main = await fetch(`http://${ADDRESS}:${agent.port}/healthz`);
    expect(main.status).toBe(200);
  }

  it("answers a bad percent-encoding with 400 and a Status", async () => {
    const { code, body } = statusOf(await raw(agent.port, get("/containerLogs/%zz/web/app")));
    expect(code).toBe(400);
    expect(body).toMatchObject({ kind: "Status", code: 400, reason: "BadRequest" });
    expect(body.message).toContain("percent-encoding");
    const ro = statusOf(await raw(agent.readOnlyPort, get("/pods/%zz")));
    expect(ro.code).toBe(404);
    expect(ro.body).toMatchObject({ kind: "Status", code: 404, reason: "NotFound" });
    await alive();
  });

  it("survives a request target that is no URL (GET //[), an absolute-form target and garbage", async () => {
    for (const port of [agent.port, agent.readOnlyPort]) {
      expect(statusOf(await raw(port, get("//["))).code).toBe(404);
      expect(statusOf(await raw(port, get("*"))).code).toBe(400);
      expect(statusOf(await raw(port, "\x00\x01\x02 not http at all\r\n\r\n")).code).toBe(400);
      expect(statusOf(await raw(port, `GET / HTTP/1.1\r\nX: ${"a".repeat(20_000)}\r\n\r\n`)).code).toBe(431);
    }
    await alive();
  });

  it("refuses other methods with 405 and bad numbers with 400", async () => {
    const post = statusOf(await raw(agent.port, "POST /pods HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"));
    expect(post.code).toBe(405);
    expect(post.body).toMatchObject({ kind: "Status", reason: "MethodNotAllowed" });
    // No such pod: the pod check answers before the numbers are read.
    expect(statusOf(await raw(agent.port, get("/containerLogs/default/nope/app?tailLines=1e309"))).code).toBe(404);
    await alive();
  });

  it("stays up through a few hundred random request lines (fixed seed)", async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("%", "%zz", "%00", "%2e%2e", "..", "//", "[", "?", "#", "\u00ff", "containerLogs", "pods", "stats"),
    );
    const line = fc.tuple(
      fc.constantFrom("GET", "HEAD", "POST", "DELETE", "G\u0000T", "OPTIONS", ""),
      fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
      fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/9", ""),
    );
    const samples = fc.sample(line, { numRuns: 300, seed: 1018 });
    for (const [i, [method, path, version]] of samples.entries()) {
      const port = i % 2 ? agent.port : agent.readOnlyPort;
      const answer = await raw(port, Buffer.from(`${method} ${path} ${version}\r\nHost: a\r\nConnection: close\r\n\r\n`, "latin1"));
      const code = statusOf(answer).code;
      // Every request gets an answer; none is a 5xx (nothing here is the agent's fault).
      expect(code, `${method} ${path} ${version} -> ${answer.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
      expect(code, `${method} ${path} ${version} -> ${answer.slice(0, 200)}`).toBeLessThan(500);
    }
    await alive();
  }, 120_000);
});
