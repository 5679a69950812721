import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlFor } from "../test/fixtures/kubectl";
import { startTestServer, type TestServer } from "../test/fixtures/server";
import { FakeClock } from "./clock";
import { EventRecorder } from "./events";
import { FakeClient } from "./fake";
import { RestClient } from "./rest";
import { configmaps, events, pods } from "./resources";

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

  it("gives every Event its own name when two recorders of one process write about one object in the same millisecond", async () => {
    const cm = await client.create<{ metadata: { name: string; uid?: string } }>(configmaps, "default", { metadata: { name: "ev-twins" } });
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const a = new EventRecorder({ client, component: "persistentvolume-controller", clock });
    const b = new EventRecorder({ client, component: "kubelab.io/local-path", clock });
    a.event(cm, "Normal", "ExternalProvisioning", "waiting for the provisioner");
    b.event(cm, "Normal", "ProvisioningSucceeded", "provisioned");
    await Promise.all([a.flush(), b.flush()]);
    expect((await eventsFor("ev-twins")).map((e) => e.reason).sort()).toEqual(["ExternalProvisioning", "ProvisioningSucceeded"]);
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

describe("EventRecorder's correlator (client-go's aggregation and spam filter)", () => {
  const pod = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", uid: `uid-${name}` } });
  const setup = (opts: { maxQueued?: number; maxInFlight?: number } = {}) => {
    const fake = new FakeClient();
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    return { fake, clock, recorder: new EventRecorder({ client: fake, component: "kubelet", host: "node-1", clock, ...opts }) };
  };
  const written = (fake: FakeClient) => fake.objects<Event>(events, "default");

  it("writes a burst of identical events as one Event with their count, in one create", async () => {
    const { fake, clock, recorder } = setup();
    for (let i = 0; i < 20; i++) {
      recorder.event(pod("crashy"), "Warning", "BackOff", "Back-off restarting failed container app in pod crashy");
      clock.advance(1000);
    }
    await recorder.flush();
    expect(fake.actions({ resource: "events" }).map((a) => a.verb)).toEqual(["create"]);
    expect(written(fake)).toMatchObject([{ reason: "BackOff", count: 20, firstTimestamp: "2026-01-01T00:00:00Z", lastTimestamp: "2026-01-01T00:00:19Z" }]);
  });

  it("never writes on the caller's turn", () => {
    const { fake, recorder } = setup();
    recorder.event(pod("p"), "Normal", "Scheduled", "Successfully assigned default/p to node-1");
    expect(fake.actions()).toEqual([]);
  });

  it("counts a repeat that arrives while the first write is in flight with one more write", async () => {
    const { fake, recorder } = setup();
    recorder.event(pod("p"), "Warning", "Unhealthy", "Readiness probe failed");
    await new Promise((r) => setImmediate(r));
    recorder.event(pod("p"), "Warning", "Unhealthy", "Readiness probe failed");
    recorder.event(pod("p"), "Warning", "Unhealthy", "Readiness probe failed");
    await recorder.flush();
    expect(fake.actions({ resource: "events" }).map((a) => a.verb)).toEqual(["create", "patch"]);
    expect(written(fake)).toMatchObject([{ count: 3 }]);
  });

  it("combines more than 10 events of one reason that differ only by message", async () => {
    const { fake, recorder } = setup();
    for (let i = 0; i < 12; i++) recorder.event(pod("rs"), "Normal", "SuccessfulCreate", `Created pod: web-${i}`);
    await recorder.flush();
    const evs = written(fake);
    expect(evs).toHaveLength(10);
    expect(evs.filter((e) => !e.message.startsWith("(combined"))).toHaveLength(9);
    expect(evs.find((e) => e.message.startsWith("(combined"))).toMatchObject({ message: "(combined from similar events): Created pod: web-11", count: 3 });
  });

  it("lets a source burst 25 events about one object, then 1 every 5 minutes, and the held-back repeats still count", async () => {
    const { fake, clock, recorder } = setup();
    for (let i = 0; i < 30; i++) recorder.event(pod("noisy"), "Warning", `Reason${i}`, "x");
    await recorder.flush();
    expect(written(fake)).toHaveLength(25);
    // Other objects have their own budget.
    recorder.event(pod("quiet"), "Normal", "Pulled", "image present");
    await recorder.flush();
    expect(written(fake)).toHaveLength(26);
    clock.advance(300_000);
    recorder.event(pod("noisy"), "Warning", "Reason0", "x");
    await recorder.flush();
    expect(written(fake).find((e) => e.involvedObject.name === "noisy" && e.reason === "Reason0")).toMatchObject({ count: 2 });
  });

  it("drops new events, and counts them, when too many are waiting to be written", async () => {
    const { fake, recorder } = setup({ maxQueued: 2, maxInFlight: 1 });
    for (let i = 0; i < 5; i++) recorder.event(pod(`p${i}`), "Normal", "Scheduled", `assigned p${i}`);
    expect(recorder.dropped).toBe(3);
    await recorder.flush();
    expect(written(fake).map((e) => e.involvedObject.name)).toEqual(["p0", "p1"]);
  });
});

describe("kubectl get events", () => {
  it("shows a crash-looping burst as one event with its count", async () => {
    const p = await client.create<{ metadata: { name: string; uid?: string } }>(pods, "default", <never>{
      metadata: { name: "crashloop" },
      spec: { containers: [{ name: "app", image: "busybox" }] },
    });
    const recorder = new EventRecorder({ client, component: "kubelet", host: "node-1" });
    for (let i = 0; i < 40; i++) recorder.event({ apiVersion: "v1", kind: "Pod", ...p }, "Warning", "BackOff", "Back-off restarting failed container app in pod crashloop_default");
    await recorder.flush();
    const out = await kubectlFor(server.kubeconfig).ok(["get", "events", "-o", "wide", "--field-selector", "involvedObject.name=crashloop"]);
    const rows = out.trim().split("\n").slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/Warning\s+BackOff\s+pod\/crashloop\s+.*kubelet, node-1\s+Back-off restarting failed container app in pod crashloop_default\s+\S+\s+40\s+crashloop\./);
  });
});
