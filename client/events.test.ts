import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../test/fixtures/server";
import { FakeClock } from "./clock";
import { EventRecorder } from "./events";
import { RestClient } from "./rest";
import { configmaps, events } from "./resources";

interface Event {
  metadata: { name: string; namespace: string };
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string; apiVersion?: string };
  reason: string;
  message: string;
  type: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host?: string };
}

let server: TestServer;
let client: RestClient;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function eventsFor(name: string, ns = "default"): Promise<Event[]> {
  const list = await client.list<Event>(events, ns, { fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

describe("EventRecorder", () => {
  it("writes an Event about an object that kubectl describe would find", async () => {
    const cm = await client.create<{ metadata: { name: string; uid?: string } }>(configmaps, "default", { metadata: { name: "ev-target" } });
    const recorder = new EventRecorder({ client, component: "test-controller", host: "node-1" });
    recorder.event(cm, "Normal", "Synced", "configuration applied");
    await recorder.flush();
    const [ev, ...more] = await eventsFor("ev-target");
    expect(more).toEqual([]);
    expect(ev).toMatchObject({
      involvedObject: { kind: "ConfigMap", name: "ev-target", namespace: "default", uid: cm.metadata.uid, apiVersion: "v1" },
      reason: "Synced",
      message: "configuration applied",
      type: "Normal",
      count: 1,
      source: { component: "test-controller", host: "node-1" },
    });
    expect(ev!.metadata.name.startsWith("ev-target.")).toBe(true);
    expect(ev!.firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("counts repeats of the same reason and message on one Event instead of writing new ones", async () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const cm = await client.create(configmaps, "default", { metadata: { name: "ev-repeat" } });
    const recorder = new EventRecorder({ client, component: "test", clock });
    recorder.event(cm, "Warning", "BackOff", "Back-off restarting failed container");
    clock.advance(5000);
    recorder.event(cm, "Warning", "BackOff", "Back-off restarting failed container");
    clock.advance(5000);
    recorder.event(cm, "Warning", "BackOff", "Back-off restarting failed container");
    recorder.event(cm, "Normal", "Pulled", "Container image already present");
    await recorder.flush();
    const evs = await eventsFor("ev-repeat");
    const backoff = evs.filter((e) => e.reason === "BackOff");
    expect(backoff).toHaveLength(1);
    expect(backoff[0]).toMatchObject({ count: 3, firstTimestamp: "2026-01-01T00:00:00Z", lastTimestamp: "2026-01-01T00:00:10Z", type: "Warning" });
    expect(evs.filter((e) => e.reason === "Pulled")).toHaveLength(1);
  });

  it("starts a new Event when the counted one was deleted", async () => {
    const cm = await client.create(configmaps, "default", { metadata: { name: "ev-deleted" } });
    const recorder = new EventRecorder({ client, component: "test" });
    recorder.event(cm, "Normal", "Tick", "tick");
    await recorder.flush();
    const [first] = await eventsFor("ev-deleted");
    await client.delete(events, "default", first!.metadata.name);
    recorder.event(cm, "Normal", "Tick", "tick");
    await recorder.flush();
    const after = await eventsFor("ev-deleted");
    expect(after).toHaveLength(1);
    expect(after[0]!.count).toBe(1);
  });

  it("puts events about cluster-scoped objects into the default namespace", async () => {
    const recorder = new EventRecorder({ client, component: "test" });
    recorder.event({ apiVersion: "v1", kind: "Node", metadata: { name: "ev-node", uid: "u-1" } }, "Normal", "NodeReady", "node is ready");
    await recorder.flush();
    const evs = await eventsFor("ev-node", "default");
    expect(evs[0]?.involvedObject).toMatchObject({ kind: "Node", name: "ev-node" });
  });

  it("never throws into the caller when the server is away", async () => {
    const recorder = new EventRecorder({ client: new RestClient({ server: "http://127.0.0.1:1" }), component: "test" });
    expect(() => recorder.event({ kind: "Pod", metadata: { name: "p", namespace: "default" } }, "Warning", "Failed", "x")).not.toThrow();
    await expect(recorder.flush()).resolves.toBeUndefined();
  });
});
