// scheduleOne against seeded caches and a recording fake client, in the style of Kubernetes'
// scheduler tests: seed nodes and pods, run one scheduling decision, assert what was written.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { Node, Pod } from "../../api/core";
import { EventRecorder, newConflict } from "../../client";
import { FakeClient, fakeInformers } from "../../client/fake";
import { SharedInformers } from "../../client/informer-factory";
import { events, nodes, pods } from "../../client/resources";
import { eventually } from "../../test/fixtures/wait";
import { Scheduler } from "./scheduler";
import { makeNode, makePod } from "./testing";

function setup(...objects: Array<Pod | ReturnType<typeof makeNode> | Registry>) {
  const metrics = objects.find((o): o is Registry => o instanceof Registry);
  const fake = new FakeClient(...(objects.filter((o) => !(o instanceof Registry)) as Pod[]));
  const recorder = new EventRecorder({ client: fake, component: "default-scheduler" });
  const informers = fakeInformers(fake);
  const scheduler = new Scheduler({ client: fake, informers, recorder, metrics });
  return { fake, informers, recorder, scheduler };
}

const bindings = (fake: FakeClient) => fake.actions({ verb: "create", resource: "pods", subresource: "binding" });

describe("Scheduler.scheduleOne", () => {
  it("binds a pod that fits to the node with room, and records Scheduled", async () => {
    const { fake, recorder, scheduler } = setup(makeNode("small", { cpu: "1" }), makeNode("big", { cpu: "8" }), makePod("web", { cpu: "2" }));
    expect(await scheduler.scheduleOne("default/web")).toBeUndefined();
    await eventually(() => bindings(fake).length === 1, 5000, "the binding");
    expect(bindings(fake)[0]).toMatchObject({ namespace: "default", name: "web", object: { target: { kind: "Node", name: "big" }, metadata: { uid: "uid-web" } } });
    expect(fake.object<Pod>(pods, "default", "web")?.spec?.nodeName).toBe("big");
    expect(fake.statusWrites("pods")).toEqual([]);
    await recorder.flush();
    expect(fake.objects(events, "default")).toMatchObject([{ type: "Normal", reason: "Scheduled", message: "Successfully assigned default/web to big" }]);
  });

  it("marks a pod that fits nowhere PodScheduled=False with the 0/N message and a FailedScheduling event, and retries later", async () => {
    const { fake, recorder, scheduler } = setup(
      makeNode("n1", { memory: "1Gi", labels: { disk: "ssd" } }),
      makeNode("n2", { memory: "1Gi", labels: { disk: "ssd" } }),
      makeNode("n3"),
      makePod("db", { memory: "2Gi", spec: { nodeSelector: { disk: "ssd" } } }),
    );
    const result = await scheduler.scheduleOne("default/db");
    expect(result).toEqual({ requeueAfter: 300_000 });
    const message = "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient memory.";
    expect(fake.statusWrites("pods")).toHaveLength(1);
    const pod = fake.object<Pod>(pods, "default", "db")!;
    expect(pod.status?.phase).toBe("Pending");
    expect(pod.status?.conditions).toMatchObject([{ type: "PodScheduled", status: "False", reason: "Unschedulable", message }]);
    await recorder.flush();
    expect(fake.objects(events, "default")).toMatchObject([{ type: "Warning", reason: "FailedScheduling", message, involvedObject: { kind: "Pod", name: "db" } }]);
    expect(bindings(fake)).toEqual([]);
  });

  it("does not rewrite an unchanged PodScheduled condition on the next attempt", async () => {
    const { fake, informers, scheduler } = setup(makeNode("n1", { cpu: "1" }), makePod("big", { cpu: "4" }));
    await scheduler.scheduleOne("default/big");
    // The next attempt reads the pod the informer would now have.
    informers.pods().indexer.update(fake.object<Pod>(pods, "default", "big")!);
    await scheduler.scheduleOne("default/big");
    expect(fake.statusWrites("pods")).toHaveLength(1);
  });

  it("leaves bound, deleted and other schedulers' pods alone", async () => {
    const { fake, scheduler } = setup(
      makeNode("n1"),
      makePod("bound", { spec: { nodeName: "n1" } }),
      makePod("mine-not", { spec: { schedulerName: "other-scheduler" } }),
    );
    for (const key of ["default/bound", "default/mine-not", "default/gone"]) expect(await scheduler.scheduleOne(key)).toBeUndefined();
    expect(fake.writes()).toEqual([]);
  });

  it("takes the pod back out of the node's count when the binding is rejected", async () => {
    const { fake, scheduler } = setup(makeNode("n1", { cpu: "1" }), makePod("a", { cpu: "1" }));
    fake.failNext("create", "pods", newConflict(pods, "a"));
    await scheduler.scheduleOne("default/a");
    await eventually(() => !scheduler.cache.isAssumed("default/a"), 5000, "the assumed pod to be forgotten");
    expect(scheduler.cache.getNodeInfo("n1")?.requested.pods).toBe(0);
    expect(fake.object<Pod>(pods, "default", "a")?.spec?.nodeName).toBeUndefined();
  });

  it("counts attempts by result and pending pods by queue with kube-scheduler's metric names", async () => {
    const registry = new Registry();
    const { fake, scheduler } = setup(registry, makeNode("n1", { cpu: "1" }), makePod("fits", { cpu: "1" }), makePod("too-big", { cpu: "2" }));
    const scrape = async (series: string) => {
      const line = (await registry.metrics()).split("\n").find((l) => l.startsWith(series + " "));
      return line === undefined ? undefined : Number(line.split(" ").pop());
    };
    expect(await scrape('scheduler_pending_pods{queue="active"}')).toBe(2);
    await scheduler.scheduleOne("default/fits");
    await scheduler.scheduleOne("default/too-big");
    await eventually(() => bindings(fake).length === 1, 5000, "the binding");
    await eventually(async () => (await scrape('scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"}')) === 1, 5000, "the scheduled attempt counted");
    expect(await scrape('scheduler_schedule_attempts_total{result="unschedulable",profile="default-scheduler"}')).toBe(1);
    expect(await scrape('scheduler_schedule_attempts_total{result="error",profile="default-scheduler"}')).toBe(0);
    expect(await scrape('scheduler_scheduling_attempt_duration_seconds_count{result="unschedulable",profile="default-scheduler"}')).toBe(1);
    expect(await scrape('scheduler_pending_pods{queue="unschedulable"}')).toBe(1);
  });

  it("tries a parked pod again only on a node change that can help it, and then binds it", async () => {
    const fake = new FakeClient(makeNode("n1", { memory: "1Gi" }), makePod("big", { memory: "2Gi" }));
    const informers = new SharedInformers(fake);
    const scheduler = new Scheduler({ client: fake, informers });
    const stop = new AbortController();
    informers.start(stop.signal);
    await informers.waitForSync();
    const running = scheduler.run(stop.signal);
    try {
      await eventually(() => scheduler.schedulingQueue.isParked("default/big"), 5000, "the pod parked as unschedulable");
      const attempts = () => fake.statusWrites("pods").length;
      expect(attempts()).toBe(1);
      // A label change cannot make room for memory: the pod stays parked, no new attempt.
      const n1 = fake.object<Node>(nodes, undefined, "n1")!;
      await fake.update(nodes, undefined, { ...n1, metadata: { ...n1.metadata, labels: { ...n1.metadata?.labels, disk: "ssd" } } });
      await eventually(() => informers.nodes().get("n1")?.metadata?.labels?.disk === "ssd", 5000, "the label seen");
      expect(scheduler.schedulingQueue.pending()).toEqual({ active: 0, backoff: 0, unschedulable: 1 });
      // More allocatable memory can: the pod is tried again (after its 1 s backoff) and bound.
      const labelled = fake.object<Node>(nodes, undefined, "n1")!;
      const resources = { cpu: "4", memory: "4Gi", pods: "110" };
      await fake.updateStatus(nodes, undefined, { ...labelled, status: { ...labelled.status, capacity: resources, allocatable: resources } });
      await eventually(() => bindings(fake).length === 1, 10_000, "the binding after the node grew");
      expect(bindings(fake)[0]).toMatchObject({ name: "big", object: { target: { name: "n1" } } });
    } finally {
      stop.abort();
      await running;
    }
  });

  it("keeps a pod that found no nodes at all in backoff, not parked, as Kubernetes does", async () => {
    const { fake, scheduler } = setup(makePod("early"));
    await scheduler.scheduleOne("default/early");
    expect(fake.object<Pod>(pods, "default", "early")?.status?.conditions).toMatchObject([{ type: "PodScheduled", status: "False", message: "no nodes available to schedule pods" }]);
    expect(scheduler.schedulingQueue.pending()).toMatchObject({ backoff: 1, unschedulable: 0 });
    scheduler.schedulingQueue.close();
  });
});
