// Watchers that never read: the server keeps sending to the ones that do, closes the slow ones
// once their send buffer is full, and its memory does not follow the backlog.
import { connect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
});
afterAll(async () => {
  await server?.stop();
});

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
const rssMiB = () => Number(readFileSync(`/proc/${server.pid()}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]) / 1024;

/** A watch on a raw socket that nobody reads (the kernel's buffers fill, then the server's). */
function stuckWatcher(): Promise<Socket> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => {
      // As `kubectl get -w` asks: Table events are encoded per watcher, so each backlog is its own memory.
      s.write(`GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&includeObject=Object HTTP/1.1\r\nHost: ${hostname}\r\nAccept: ${TABLE}\r\n\r\n`);
      resolve(s);
    });
    s.pause();
    s.on("error", () => {});
    s.once("error", reject);
  });
}

/** Everything a socket still delivers once read, until the server ends or cuts it. */
function drain(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    s.resume();
  });
}

describe("slow watchers", () => {
  it("closes watchers that never read, keeps the others, and stays within bounded memory", async () => {
    const COUNT = 400;
    const stuck = await Promise.all([stuckWatcher(), stuckWatcher(), stuckWatcher()]);
    const reader = await fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0`);
    const lines = (async () => {
      let n = 0;
      const decoder = new TextDecoder();
      let rest = "";
      for await (const chunk of reader.body as unknown as AsyncIterable<Uint8Array>) {
        rest += decoder.decode(chunk, { stream: true });
        const parts = rest.split("\n");
        rest = parts.pop()!;
        n += parts.filter((l) => l.includes('"ADDED"')).length;
        if (n >= COUNT) break;
      }
      return n;
    })();
    const before = rssMiB();
    const payload = "x".repeat(100_000);
    for (let i = 0; i < COUNT; i++) {
      const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `big-${i}` }, data: { payload } }),
      });
      expect(res.status).toBe(201);
    }
    // 400 events of 100 kB = 40 MB per watcher were due; the reading one got them all.
    expect(await lines).toBe(COUNT);
    const grown = rssMiB() - before;
    console.log(`server RSS before ${before.toFixed(0)} MiB, after ${(before + grown).toFixed(0)} MiB`);
    expect(grown).toBeLessThan(100);
    for (const s of stuck) {
      // The server ended it (a never-closed watch would not resolve before the bound) well short
      // of the 40 MB it was due: what the kernel's buffers held when the server cut it.
      const got = await Promise.race([drain(s), new Promise<string>((r) => setTimeout(() => r("still open after 20 s"), 20_000).unref())]);
      expect(got).not.toBe("still open after 20 s");
      expect(got.length).toBeLessThan(30_000_000);
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
