import { describe, expect, it } from "vitest";
import type { DaemonSet } from "../../../api/apps-daemonset";
import type { Node, Pod } from "../../../api/core";
import { rfc3339 } from "../../../api/time";
import { controllerFixture, newNode, newPod, T0 } from "../testing";
import { computeHash } from "../deployment/hash";
import { controllerRefTo } from "../owner";
import { DaemonSetController } from "./controller";
import { REVISION_HASH_LABEL } from "./nodes";

let uid = 0;
function newDaemonSet(name: string, o: { image?: string; nodeSelector?: Record<string, string>; tolerations?: unknown[]; strategy?: DaemonSet["spec"]["updateStrategy"]; hostNetwork?: boolean } = {}): DaemonSet {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: "default", uid: `ds-uid-${++uid}`, resourceVersion: "1", generation: 2, creationTimestamp: rfc3339(T0) },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "agent", image: o.image ?? "kubelab/web:1" }], ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}), ...(o.tolerations ? { tolerations: o.tolerations } : {}), ...(o.hostNetwork ? { hostNetwork: true } : {}) },
      },
      updateStrategy: o.strategy ?? { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
  } as unknown as DaemonSet;
}

/** A pod of ds on node, made from template `of` (default: ds's own), ready unless said. */
function daemonPod(ds: DaemonSet, node: string, o: { of?: DaemonSet; ready?: boolean; name?: string } = {}): Pod {
  const pod = newPod(o.name ?? `${ds.metadata.name}-${node}`, { node, ready: o.ready ?? true, labels: { app: ds.metadata.name! } });
  pod.metadata.labels![REVISION_HASH_LABEL] = computeHash((o.of ?? ds).spec.template);
  pod.metadata.ownerReferences = [controllerRefTo({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: ds.metadata })];
  return pod;
}

const labelled = (node: Node, labels: Record<string, string>) => ({ ...node, metadata: { ...node.metadata, labels } }) as Node;

function setup(...objects: Array<DaemonSet | Pod | Node>) {
  const f = controllerFixture(...objects);
  const controller = new DaemonSetController({ client: f.client, informers: f.informers, clock: f.clock });
  return { ...f, controller };
}

const createdPods = (f: ReturnType<typeof setup>) => f.client.creates("pods").map((a) => a.object as Pod);
const pinnedTo = (pod: Pod) => pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
const lastStatus = (f: ReturnType<typeof setup>) => (f.client.statusWrites("daemonsets").at(-1)?.object as DaemonSet).status;

describe("DaemonSet controller sync", () => {
  it("creates one pod per node, pinned by a metadata.name affinity, owned, hashed and with the daemon tolerations; then waits to see them", async () => {
    const ds = newDaemonSet("agent");
    const f = setup(ds, newNode("n1"), newNode("n2"));

    await f.controller.sync("default/agent");

    const pods = createdPods(f);
    expect(pods.map(pinnedTo).sort()).toEqual(["n1", "n2"]);
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toBeUndefined();
      expect(pod.metadata.generateName).toBe("agent-");
      expect(pod.metadata.labels).toEqual({ app: "agent", [REVISION_HASH_LABEL]: computeHash(ds.spec.template) });
      expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`)).toEqual([
        "node.kubernetes.io/not-ready:NoExecute",
        "node.kubernetes.io/unreachable:NoExecute",
        "node.kubernetes.io/disk-pressure:NoSchedule",
        "node.kubernetes.io/memory-pressure:NoSchedule",
        "node.kubernetes.io/pid-pressure:NoSchedule",
        "node.kubernetes.io/unschedulable:NoSchedule",
      ]);
    }
    expect(f.client.statusWrites("daemonsets")).toHaveLength(1);
    expect(lastStatus(f)).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 0, numberUnavailable: 2, observedGeneration: 2 });

    f.client.clearActions();
    await f.controller.sync("default/agent");
    expect(f.client.creates("pods")).toHaveLength(0);
  });

  it("adds the network-unavailable toleration for hostNetwork pods", async () => {
    const f = setup(newDaemonSet("net", { hostNetwork: true }), newNode("n1"));
    await f.controller.sync("default/net");
    expect(createdPods(f)[0]?.spec?.tolerations?.map((t) => t.key)).toContain("node.kubernetes.io/network-unavailable");
  });

  it("skips nodes the nodeSelector or an untolerated taint excludes, and removes pods from nodes that stopped matching or were removed", async () => {
    const ds = newDaemonSet("edge", { nodeSelector: { role: "edge" } });
    const tainted = labelled(newNode("n3", { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] }), { role: "edge" });
    const f = setup(ds, labelled(newNode("n1"), { role: "edge" }), newNode("n2"), tainted, daemonPod(ds, "n2"), daemonPod(ds, "gone"));

    await f.controller.sync("default/edge");

    expect(createdPods(f).map(pinnedTo)).toEqual(["n1"]);
    expect(f.client.deletes("pods").map((a) => a.name).sort()).toEqual(["edge-gone", "edge-n2"]);
    expect(lastStatus(f)).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 0, numberMisscheduled: 1 });
  });

  it("runs on a tainted node when the template tolerates the taint, and leaves a pod on a NoSchedule-tainted node but takes it off a NoExecute one", async () => {
    const ds = newDaemonSet("tol", { tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }] });
    const f = setup(
      ds,
      newNode("n1", { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] }),
      newNode("n2", { taints: [{ key: "other", effect: "NoSchedule" }] }),
      newNode("n3", { taints: [{ key: "other", effect: "NoExecute" }] }),
      daemonPod(ds, "n2"),
      daemonPod(ds, "n3"),
    );
    await f.controller.sync("default/tol");
    expect(createdPods(f).map(pinnedTo)).toEqual(["n1"]);
    expect(f.client.deletes("pods").map((a) => a.name)).toEqual(["tol-n3"]);
  });

  it("writes a full status once and not again when nothing changed", async () => {
    const ds = newDaemonSet("agent");
    const f = setup(ds, newNode("n1"), newNode("n2"), daemonPod(ds, "n1"), daemonPod(ds, "n2", { ready: false }));
    await f.controller.sync("default/agent");
    expect(f.client.writes().filter((a) => a.resource === "pods")).toHaveLength(0);
    expect(lastStatus(f)).toEqual({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1, numberUnavailable: 1, observedGeneration: 2 });
  });

  it("RollingUpdate replaces old-template pods with at most maxUnavailable down", async () => {
    const old = newDaemonSet("agent");
    const ds = { ...old, spec: { ...old.spec, template: { ...old.spec.template, spec: { containers: [{ name: "agent", image: "kubelab/web:2" }] } } } } as DaemonSet;
    const f = setup(ds, newNode("n1"), newNode("n2"), newNode("n3"), daemonPod(ds, "n1", { of: old }), daemonPod(ds, "n2", { of: old }), daemonPod(ds, "n3", { of: old }));
    await f.controller.sync("default/agent");
    expect(f.client.deletes("pods")).toHaveLength(1);
    expect(f.client.creates("pods")).toHaveLength(0);
    expect(lastStatus(f)).toMatchObject({ updatedNumberScheduled: 0, numberAvailable: 3 });
  });

  it("RollingUpdate deletes an old pod that is unavailable anyway without spending the budget", async () => {
    const old = newDaemonSet("agent");
    const ds = { ...old, spec: { ...old.spec, template: { ...old.spec.template, spec: { containers: [{ name: "agent", image: "kubelab/web:2" }] } } } } as DaemonSet;
    const f = setup(ds, newNode("n1"), newNode("n2"), newNode("n3"), daemonPod(ds, "n1", { of: old, ready: false }), daemonPod(ds, "n2", { of: old }), daemonPod(ds, "n3"));
    await f.controller.sync("default/agent");
    // n1's pod is down already: it goes, and so no available old pod may go with it (maxUnavailable 1).
    expect(f.client.deletes("pods").map((a) => a.name)).toEqual(["agent-n1"]);
  });

  it("RollingUpdate with maxSurge starts the new pod beside the old one and removes the old once the new is available", async () => {
    const old = newDaemonSet("agent");
    const strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };
    const ds = { ...old, spec: { ...old.spec, updateStrategy: strategy, template: { ...old.spec.template, spec: { containers: [{ name: "agent", image: "kubelab/web:2" }] } } } } as DaemonSet;
    const f = setup(ds, newNode("n1"), newNode("n2"), daemonPod(ds, "n1", { of: old }), daemonPod(ds, "n2", { of: old }));
    await f.controller.sync("default/agent");
    expect(createdPods(f).map(pinnedTo)).toHaveLength(1);
    expect(f.client.deletes("pods")).toHaveLength(0);

    const g = setup(ds, newNode("n1"), newNode("n2"), daemonPod(ds, "n1", { of: old, name: "old-n1" }), daemonPod(ds, "n1", { name: "new-n1" }), daemonPod(ds, "n2", { of: old }));
    await g.controller.sync("default/agent");
    expect(g.client.deletes("pods").map((a) => a.name)).toEqual(["old-n1"]);
    expect(createdPods(g).map(pinnedTo)).toEqual(["n2"]);
  });

  it("OnDelete leaves old-template pods alone and gives a node whose pod was deleted the new template", async () => {
    const old = newDaemonSet("agent", { strategy: { type: "OnDelete" } });
    const ds = { ...old, spec: { ...old.spec, template: { ...old.spec.template, spec: { containers: [{ name: "agent", image: "kubelab/web:2" }] } } } } as DaemonSet;
    const f = setup(ds, newNode("n1"), newNode("n2"), daemonPod(ds, "n1", { of: old }));
    await f.controller.sync("default/agent");
    expect(f.client.deletes("pods")).toHaveLength(0);
    const pods = createdPods(f);
    expect(pods.map(pinnedTo)).toEqual(["n2"]);
    expect(pods[0]?.spec?.containers[0]?.image).toBe("kubelab/web:2");
  });

  it("adopts a matching orphan pod instead of creating another, and deletes a duplicate on the same node", async () => {
    const ds = newDaemonSet("agent");
    const orphan = daemonPod(ds, "n1");
    orphan.metadata.ownerReferences = undefined;
    const dup = daemonPod(ds, "n2", { name: "agent-dup" });
    dup.metadata.creationTimestamp = rfc3339(T0 + 1000);
    const f = setup(ds, newNode("n1"), newNode("n2"), orphan, daemonPod(ds, "n2"), dup);
    await f.controller.sync("default/agent");
    expect(f.client.creates("pods")).toHaveLength(0);
    expect(f.client.updates("pods").concat(f.client.actions({ verb: "patch", resource: "pods" })).map((a) => a.name)).toContain("agent-n1");
    expect(f.client.deletes("pods").map((a) => a.name)).toEqual(["agent-dup"]);
  });

  it("does nothing for a DaemonSet that is gone or being deleted", async () => {
    const f = setup(newNode("n1"));
    await f.controller.sync("default/missing");
    expect(f.client.writes()).toHaveLength(0);
    const ds = { ...newDaemonSet("agent"), metadata: { ...newDaemonSet("agent").metadata, deletionTimestamp: rfc3339(T0) } } as DaemonSet;
    const g = setup(ds, newNode("n1"));
    await g.controller.sync("default/agent");
    expect(g.client.creates("pods")).toHaveLength(0);
  });
});

describe("DaemonSet controller and node health", () => {
  it("creates no pod on a node that is not Ready but keeps the pod of a node that stopped being Ready (misscheduled)", async () => {
    const ds = newDaemonSet("agent");
    const f = setup(ds, newNode("n1", { ready: "False" }), newNode("n2", { ready: "Unknown" }), daemonPod(ds, "n2"), newNode("n3"));
    await f.controller.sync("default/agent");
    expect(createdPods(f).map(pinnedTo)).toEqual(["n3"]);
    expect(f.client.deletes("pods")).toHaveLength(0);
    expect(lastStatus(f)).toMatchObject({ desiredNumberScheduled: 1, numberMisscheduled: 1 });
  });
});
