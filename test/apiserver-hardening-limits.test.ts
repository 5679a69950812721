// kube-apiserver's limits on a real server: requests over --max-mutating-requests-inflight and
// --max-long-running-requests get 429 with Retry-After while everything else goes on; a request
// over --request-timeout gets 504; headers that never finish get 408; a watcher that falls
// behind its send buffer is closed. `kubectl get --raw /metrics` shows all of it.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./fixtures/server";
import { kubectlFor } from "./fixtures/kubectl";
import { eventually } from "./fixtures/wait";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    args: ["--disable-controllers", "all", "--max-mutating-requests-inflight", "1", "--max-long-running-requests", "2", "--request-timeout", "2s", "--watch-send-buffer-bytes", "256Ki"],
  });
});
afterAll(async () => {
  await server?.stop();
});

const cms = () => `${server.url}/api/v1/namespaces/default/configmaps`;
const cm = (name: string, data: Record<string, string> = {}) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });
const create = (name: string, data?: Record<string, string>) => fetch(cms(), { method: "POST", headers: { "Content-Type": "application/json" }, body: cm(name, data) });

/** Raw bytes out; resolves with everything the server sent once it closes the connection. */
function rawSocket(bytes: string): { socket: Socket; answer: Promise<string> } {
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname, () => socket.write(bytes));
  const answer = new Promise<string>((resolve) => {
    let text = "";
    socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => resolve(text));
  });
  return { socket, answer };
}

async function metric(name: string): Promise<number> {
  const text = await kubectlFor(server.kubeconfig).ok(["get", "--raw", "/metrics"]);
  const line = text.split("\n").find((l) => l.startsWith(name));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

describe("max-inflight", () => {
  it("refuses a write over --max-mutating-requests-inflight with 429 and Retry-After, while reads go on", async () => {
    // A create whose body arrives slowly holds the one mutating slot.
    const slow = rawSocket(`POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":`);
    const refused = await eventually(async () => {
      const r = await create("over-the-limit");
      return r.status === 429 ? r : undefined;
    }, 10_000, "a 429 for the second write");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toMatchObject({ kind: "Status", reason: "TooManyRequests", code: 429, details: { retryAfterSeconds: 1 } });
    expect((await fetch(cms())).status).toBe(200);
    expect(await metric('apiserver_current_inflight_requests{request_kind="mutating"}')).toBe(1);
    expect(await metric('apiserver_dropped_requests_total{request_kind="mutating"}')).toBeGreaterThanOrEqual(1);

    // --request-timeout 2s: the slow create is answered 504 Timeout, and its slot is free again.
    const answer = await slow.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 504/);
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({ kind: "Status", reason: "Timeout", code: 504 });
    expect(await metric('apiserver_request_terminations_total{verb="create",resource="configmaps",code="504"}')).toBe(1);
    await eventually(async () => (await create("after-the-slow-one")).status === 201, 10_000, "a write once the slot is free");
    const names = ((await (await fetch(cms())).json()) as any).items.map((i: any) => i.metadata.name);
    expect(names).not.toContain("over-the-limit");
  });

  it("counts watches apart: a third over --max-long-running-requests is 429, other requests go on", async () => {
    const watches = [new AbortController(), new AbortController()];
    for (const w of watches) {
      const res = await fetch(`${cms()}?watch=true`, { signal: w.signal });
      expect(res.status).toBe(200);
    }
    const third = await fetch(`${cms()}?watch=true`);
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBe("1");
    expect((await fetch(cms())).status).toBe(200);
    expect((await create("while-watched")).status).toBe(201);
    expect(await metric("apiserver_longrunning_requests")).toBe(2);
    watches[0]!.abort();
    const again = new AbortController();
    await eventually(async () => (await fetch(`${cms()}?watch=true`, { signal: again.signal })).status === 200, 10_000, "a watch once one closed");
    again.abort();
    watches[1]!.abort();
  });
});

describe("timeouts and slow clients", () => {
  it("answers headers that never finish with 408 once the header timeout passes", async () => {
    const s = rawSocket("GET /version HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    const answer = await s.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({ kind: "Status", code: 408 });
  });

  it("closes a watcher that falls behind its send buffer, and counts it", async () => {
    const stuck = rawSocket("GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0 HTTP/1.1\r\nHost: x\r\n\r\n");
    stuck.socket.pause();
    const payload = "y".repeat(100_000);
    // Well over the kernel's socket buffers plus 256 KiB.
    for (let i = 0; i < 150; i++) expect((await create(`burst-${i}`, { payload })).status).toBe(201);
    await eventually(async () => (await metric('apiserver_terminated_watchers_total{resource="configmaps",reason="SlowConsumer"}')) === 1, 20_000, "the slow watcher closed");
    stuck.socket.resume();
    expect((await stuck.answer).length).toBeLessThan(150 * 100_000);
  });
});
