// SIGKILL the server in the middle of a burst of writes: after a restart every acknowledged
// write is there, nothing is half-written, and a watch resumes from where it stood.
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

const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { payload: name.repeat(20) } });

describe("crash safety", () => {
  it("keeps every acknowledged write across a SIGKILL and resumes watches", async () => {
    const url = () => `${server.url}/api/v1/namespaces/default/configmaps`;
    const first = await fetch(url(), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(cm("before")) });
    const watchFrom = ((await first.json()) as any).metadata.resourceVersion as string;

    const acknowledged: string[] = [];
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `burst-${w}-${i}`;
        try {
          const res = await fetch(url(), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(cm(name)) });
          if (res.status === 201) acknowledged.push(name);
        } catch {
          return; // the server is gone
        }
      }
    });
    // Kill once a fair number of writes were acknowledged (however slow the machine is), while
    // the writers are still going.
    try {
      await eventually(() => acknowledged.length >= 25, { timeoutMs: 30_000, intervalMs: 20, what: "25 acknowledged writes" });
    } finally {
      await server.kill("SIGKILL");
      stop = true;
      await Promise.all(writers);
    }
    expect(acknowledged.length).toBeGreaterThan(20);

    await server.restart();
    const list = (await (await fetch(url())).json()) as any;
    const names = new Set<string>(list.items.map((i: any) => i.metadata.name));
    for (const name of acknowledged) expect(names.has(name), name).toBe(true);
    for (const item of list.items) {
      expect(item.data.payload).toBe(item.metadata.name.repeat(20));
      expect(item.metadata.uid).toBeTruthy();
    }

    // A watch from the revision seen before the crash replays what happened since.
    const res = await fetch(`${url()}?watch=true&resourceVersion=${watchFrom}`);
    const reader = res.body!.getReader();
    let text = "";
    const wanted = Math.min(5, acknowledged.length);
    while (text.split("\n").filter(Boolean).length < wanted) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    await reader.cancel();
    const events = text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    expect(events[0].type).toBe("ADDED");
    expect(events[0].object.metadata.name).toMatch(/^burst-/);
    expect(Number(events[0].object.metadata.resourceVersion)).toBeGreaterThan(Number(watchFrom));
  });
});
