import { describe, expect, it } from "vitest";
import type { ControllerRevision } from "../../../api/apps-controllerrevision";
import type { StatefulSet } from "../../../api/apps-statefulset";
import type { PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import type { Pod } from "../../../api/core";
import { rfc3339 } from "../../../api/time";
import { controllerrevisions, persistentvolumeclaims, pods, statefulsets, type EventRecorder } from "../../../client";
import { controllerFixture, T0 } from "../testing";
import { StatefulSetController } from "./controller";
import { CONTROLLER_REVISION_HASH_LABEL, POD_INDEX_LABEL, POD_NAME_LABEL } from "./identity";

type SetOptions = { replicas?: number; policy?: "OrderedReady" | "Parallel"; image?: string; strategy?: StatefulSet["spec"]["updateStrategy"]; retention?: StatefulSet["spec"]["persistentVolumeClaimRetentionPolicy"]; minReadySeconds?: number };

function newSet(o: SetOptions = {}): StatefulSet {
  const labels = { app: "web" };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "default", uid: "sts-uid", resourceVersion: "1", generation: 1, creationTimestamp: rfc3339(T0) },
    spec: {
      replicas: o.replicas ?? 2,
      selector: { matchLabels: labels },
      serviceName: "web",
      podManagementPolicy: o.policy ?? "OrderedReady",
      updateStrategy: o.strategy ?? { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: o.retention ?? { whenDeleted: "Retain", whenScaled: "Retain" },
      revisionHistoryLimit: 10,
      ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}),
      template: { metadata: { labels }, spec: { containers: [{ name: "web", image: o.image ?? "kubelab/web:1", volumeMounts: [{ name: "data", mountPath: "/data" }] }] } },
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Mi" } } } }],
    },
  } as unknown as StatefulSet;
}

type Obj = StatefulSet | Pod | PersistentVolumeClaim | ControllerRevision;

/**
 * A cluster the controller syncs against, one step at a time: sync, then (as the API server, the
 * scheduler and the kubelet would) let the written objects be seen, the created pods run and get
 * Ready unless `ready` says otherwise.
 */
function world(...objects: Obj[]) {
  let objs: Obj[] = objects;
  const events: string[] = [];
  const recorder = { event: (_o: unknown, type: string, reason: string, message: string) => events.push(`${type} ${reason} ${message}`) } as unknown as EventRecorder;
  let f = controllerFixture(...objs);
  let c = new StatefulSetController({ client: f.client, informers: f.informers, clock: f.clock, recorder });
  const w = {
    events,
    get client() {
      return f.client;
    },
    async sync() {
      return c.sync("default/web");
    },
    pods: () => f.client.objects<Pod>(pods, "default").sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!)),
    claims: () => f.client.objects<PersistentVolumeClaim>(persistentvolumeclaims, "default"),
    revisions: () => f.client.objects<ControllerRevision>(controllerrevisions, "default"),
    set: () => f.client.object<StatefulSet>(statefulsets, "default", "web")!,
    /** Rebuild the caches from what is stored now; new pods run, Ready unless `ready(name)` is false. */
    settle(ready: (name: string) => boolean = () => true) {
      const seen = new Set(objs.filter((o) => o.kind === "Pod").map((o) => o.metadata.uid));
      const fresh = w.pods().map((p) => (seen.has(p.metadata.uid) ? p : running(p, ready(p.metadata.name!))));
      objs = [w.set(), ...fresh, ...w.claims(), ...w.revisions()];
      f = controllerFixture(...objs);
      c = new StatefulSetController({ client: f.client, informers: f.informers, clock: f.clock, recorder });
    },
    /** Changes the stored set (as a user's edit would) and rebuilds the caches. */
    edit(change: (s: StatefulSet) => void) {
      const s = w.set();
      change(s);
      s.metadata.generation = (s.metadata.generation ?? 1) + 1;
      objs = [s, ...w.pods(), ...w.claims(), ...w.revisions()];
      f = controllerFixture(...objs);
      c = new StatefulSetController({ client: f.client, informers: f.informers, clock: f.clock, recorder });
    },
    /** Replaces a stored pod (as the kubelet's status writes would). */
    async put(pod: Pod) {
      await f.client.delete(pods, "default", pod.metadata.name!);
      f.client.add(pod);
    },
    names: () => w.pods().map((p) => p.metadata.name),
    deletedPods: () => f.client.deletes("pods").map((a) => a.name ?? ""),
  };
  return w;
}

function running(pod: Pod, ready: boolean): Pod {
  return { ...pod, status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: rfc3339(T0) }] } } as Pod;
}

describe("StatefulSet controller: identity and storage", () => {
  it("creates <set>-0 first, its claim before it, with the stable name, labels, hostname, subdomain and claim volume", async () => {
    const w = world(newSet());
    await w.sync();
    const writes = w.client.creates().map((a) => `${a.resource}/${a.name}`);
    expect(writes.filter((x) => !x.startsWith("controllerrevisions"))).toEqual(["persistentvolumeclaims/data-web-0", "pods/web-0"]);
    const [pod] = w.pods();
    const rev = w.revisions()[0]!;
    expect(pod!.metadata.labels).toEqual({ app: "web", [POD_NAME_LABEL]: "web-0", [POD_INDEX_LABEL]: "0", [CONTROLLER_REVISION_HASH_LABEL]: rev.metadata.name });
    expect(pod!.spec).toMatchObject({ hostname: "web-0", subdomain: "web", volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-web-0" } }] });
    expect(pod!.metadata.ownerReferences?.[0]).toMatchObject({ kind: "StatefulSet", name: "web", controller: true });
    expect(w.claims()[0]!.metadata).toMatchObject({ name: "data-web-0", labels: { app: "web" } });
    expect(w.claims()[0]!.metadata.ownerReferences).toBeUndefined();
    expect(rev).toMatchObject({ revision: 1, metadata: { name: expect.stringMatching(/^web-[a-z0-9]+$/), labels: { app: "web" } } });
    expect(w.set().status).toMatchObject({ replicas: 0, currentRevision: rev.metadata.name, updateRevision: rev.metadata.name, observedGeneration: 1, collisionCount: 0 });
    expect(w.events).toEqual(["Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success", "Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful"]);
  });

  it("OrderedReady waits for <set>-0 to be Running and Ready before creating <set>-1", async () => {
    const w = world(newSet({ replicas: 3 }));
    await w.sync();
    w.settle(() => false);
    await w.sync();
    expect(w.names()).toEqual(["web-0"]);
    await w.put(running(w.pods()[0]!, true));
    w.settle();
    await w.sync();
    expect(w.names()).toEqual(["web-0", "web-1"]);
  });

  it("Parallel creates every pod at once", async () => {
    const w = world(newSet({ replicas: 3, policy: "Parallel" }));
    await w.sync();
    expect(w.names()).toEqual(["web-0", "web-1", "web-2"]);
    expect(w.claims().map((c) => c.metadata.name).sort()).toEqual(["data-web-0", "data-web-1", "data-web-2"]);
  });

  it("recreates a deleted pod under the same name on its kept claim, and replaces a failed pod", async () => {
    const w = world(newSet());
    for (let i = 0; i < 3; i++) {
      await w.sync();
      w.settle();
    }
    const claimUid = w.claims().find((c) => c.metadata.name === "data-web-1")!.metadata.uid;
    await w.client.delete(pods, "default", "web-1");
    w.settle();
    await w.sync();
    expect(w.names()).toEqual(["web-0", "web-1"]);
    expect(w.claims().find((c) => c.metadata.name === "data-web-1")!.metadata.uid).toBe(claimUid);
    expect(w.client.creates("persistentvolumeclaims")).toHaveLength(0);

    await w.put({ ...w.pods()[0]!, status: { phase: "Failed" } } as Pod);
    w.settle();
    await w.sync();
    expect(w.deletedPods()).toEqual(["web-0"]);
    expect(w.events).toContain("Warning RecreatingFailedPod StatefulSet default/web is recreating failed Pod web-0");
  });
});

describe("StatefulSet controller: scaling and updates", () => {
  async function ready(o: SetOptions) {
    const w = world(newSet(o));
    for (let i = 0; i <= (o.replicas ?? 2); i++) {
      await w.sync();
      w.settle();
    }
    return w;
  }

  it("scales down from the highest ordinal, one at a time, keeping the claims (whenScaled: Retain)", async () => {
    const w = await ready({ replicas: 3 });
    w.edit((s) => (s.spec.replicas = 1));
    await w.sync();
    expect(w.deletedPods()).toEqual(["web-2"]);
    w.settle();
    await w.sync();
    expect(w.deletedPods()).toEqual(["web-1"]);
    expect(w.claims().map((c) => c.metadata.name).sort()).toEqual(["data-web-0", "data-web-1", "data-web-2"]);
    expect(w.client.actions({ resource: "persistentvolumeclaims", verb: "patch" })).toHaveLength(0);
  });

  it("rolls a new template out in reverse ordinal order, one pod at a time, down to the partition", async () => {
    const w = await ready({ replicas: 3 });
    const old = w.set().status!.updateRevision;
    w.edit((s) => {
      s.spec.template.spec!.containers[0]!.image = "kubelab/web:2";
      s.spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 1 } };
    });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      await w.sync();
      order.push(...w.deletedPods());
      w.settle();
    }
    expect(order).toEqual(["web-2", "web-1"]);
    const status = w.set().status!;
    expect(status.updateRevision).not.toBe(old);
    const revOf = (n: string) => w.pods().find((p) => p.metadata.name === n)!.metadata.labels![CONTROLLER_REVISION_HASH_LABEL];
    expect([revOf("web-0"), revOf("web-1"), revOf("web-2")]).toEqual([old, status.updateRevision, status.updateRevision]);
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 2, currentReplicas: 1, currentRevision: old });
    expect(w.revisions().map((r) => r.revision).sort()).toEqual([1, 2]);
  });

  it("waits for the updated pod to be Ready before taking the next", async () => {
    const w = await ready({ replicas: 2 });
    w.edit((s) => (s.spec.template.spec!.containers[0]!.image = "kubelab/web:2"));
    await w.sync();
    expect(w.deletedPods()).toEqual(["web-1"]);
    w.settle();
    await w.sync(); // recreates web-1 at the new revision
    w.settle(() => false);
    await w.sync();
    expect(w.deletedPods()).toEqual([]);
  });

  it("OnDelete leaves old pods alone, and a pod deleted by the user comes back at the new revision", async () => {
    const w = await ready({ replicas: 2, strategy: { type: "OnDelete" } });
    w.edit((s) => (s.spec.template.spec!.containers[0]!.image = "kubelab/web:2"));
    await w.sync();
    expect(w.deletedPods()).toEqual([]);
    await w.client.delete(pods, "default", "web-0");
    w.settle();
    await w.sync();
    const pod0 = w.pods().find((p) => p.metadata.name === "web-0")!;
    expect(pod0.spec?.containers[0]?.image).toBe("kubelab/web:2");
    expect(pod0.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe(w.set().status?.updateRevision);
  });

  it("a rollback to an earlier template renumbers that revision instead of making a new one", async () => {
    const w = await ready({ replicas: 1 });
    const first = w.revisions()[0]!.metadata.name;
    w.edit((s) => (s.spec.template.spec!.containers[0]!.image = "kubelab/web:2"));
    await w.sync();
    w.settle();
    w.edit((s) => (s.spec.template.spec!.containers[0]!.image = "kubelab/web:1"));
    await w.sync();
    const revs = Object.fromEntries(w.revisions().map((r) => [r.metadata.name, r.revision]));
    expect(Object.keys(revs)).toHaveLength(2);
    expect(revs[first!]).toBe(3);
    expect(w.set().status?.updateRevision).toBe(first);
  });
});

describe("StatefulSet controller: claim retention and bad input", () => {
  it("whenDeleted: Delete makes the set an owner of each claim; whenScaled: Delete gives a condemned pod's claim to the pod", async () => {
    const w = world(newSet({ replicas: 2, retention: { whenDeleted: "Delete", whenScaled: "Delete" } }));
    for (let i = 0; i < 3; i++) {
      await w.sync();
      w.settle();
    }
    const owners = (n: string) => (w.claims().find((c) => c.metadata.name === n)!.metadata.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}`);
    expect(owners("data-web-0")).toEqual(["StatefulSet/web"]);
    w.edit((s) => (s.spec.replicas = 1));
    await w.sync();
    expect(owners("data-web-1")).toEqual(["Pod/web-1"]);
    expect(owners("data-web-0")).toEqual(["StatefulSet/web"]);
    expect(w.deletedPods()).toEqual(["web-1"]);
  });

  it("does not start a pod on a claim still owned by the pod that was scaled away", async () => {
    const set = newSet({ replicas: 1, retention: { whenDeleted: "Retain", whenScaled: "Delete" } });
    const stale = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data-web-0", namespace: "default", uid: "c0", ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "web-0", uid: "old-pod" }] }, spec: {} } as unknown as PersistentVolumeClaim;
    const w = world(set, stale);
    await w.sync();
    expect(w.client.creates("pods")).toHaveLength(0);
  });

  it("leaves pods it does not own or whose names are not <set>-<n> alone", async () => {
    const foreign = running({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-x", namespace: "default", uid: "px", labels: { app: "web" } }, spec: { containers: [] } } as unknown as Pod, true);
    const other = running({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "default", uid: "p1", labels: { app: "web" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "rs", controller: true }] }, spec: { containers: [] } } as unknown as Pod, true);
    const w = world(newSet({ replicas: 1 }), foreign, other);
    await w.sync();
    expect(w.deletedPods()).toEqual([]);
    expect(w.client.actions({ resource: "pods", verb: "patch" })).toHaveLength(0);
    expect(w.set().status?.replicas).toBe(0);
  });

  it("reports a failed pod create as a FailedCreate event and retries", async () => {
    const w = world(newSet({ replicas: 1 }));
    w.client.failNext("create", "pods", Object.assign(new Error("quota exceeded"), { code: 403 }));
    await expect(w.sync()).rejects.toThrow(/quota exceeded/);
    expect(w.events.at(-1)).toBe("Warning FailedCreate create Pod web-0 in StatefulSet web failed error: quota exceeded");
  });
});

describe("StatefulSet controller: maxUnavailable", () => {
  it("replaces up to maxUnavailable pods at once, from the highest ordinal, within the partition", async () => {
    const w = world(newSet({ replicas: 4, policy: "Parallel" }));
    await w.sync();
    w.settle();
    w.edit((s) => {
      s.spec.template.spec!.containers[0]!.image = "kubelab/web:2";
      s.spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 1, maxUnavailable: 2 } };
    });
    await w.sync();
    expect(w.deletedPods()).toEqual(["web-3", "web-2"]);
    w.settle(() => false);
    await w.sync(); // web-3 and web-2 come back, not Ready: the budget is spent
    w.settle(() => false);
    await w.sync();
    expect(w.deletedPods()).toEqual([]);
  });
});

describe("StatefulSet controller: more of the spec", () => {
  it("numbers pods from ordinals.start", async () => {
    const set = newSet({ replicas: 2, policy: "Parallel" });
    set.spec.ordinals = { start: 5 };
    const w = world(set);
    await w.sync();
    expect(w.names()).toEqual(["web-5", "web-6"]);
    expect(w.claims().map((c) => c.metadata.name).sort()).toEqual(["data-web-5", "data-web-6"]);
  });

  it("waits minReadySeconds after Ready before the next pod, and asks to be synced again then", async () => {
    const w = world(newSet({ replicas: 2, minReadySeconds: 10 }));
    await w.sync();
    w.settle();
    const result = await w.sync();
    expect(w.names()).toEqual(["web-0"]);
    expect(result).toEqual({ requeueAfter: 10_050 });
    expect(w.set().status).toMatchObject({ readyReplicas: 1, availableReplicas: 0 });
  });

  it("puts back a pod's identity labels when they were removed", async () => {
    const w = world(newSet({ replicas: 1 }));
    await w.sync();
    w.settle();
    const pod = w.pods()[0]!;
    delete pod.metadata.labels![POD_INDEX_LABEL];
    await w.put(pod);
    w.settle();
    await w.sync();
    expect(w.pods()[0]!.metadata.labels?.[POD_INDEX_LABEL]).toBe("0");
    expect(w.events.at(-1)).toBe("Normal SuccessfulUpdate update Pod web-0 in StatefulSet web successful");
  });

  it("adopts an orphaned revision of its template instead of making another", async () => {
    const w = world(newSet({ replicas: 1 }));
    await w.sync();
    const rev = w.revisions()[0]!;
    const orphan = { ...rev, metadata: { ...rev.metadata, ownerReferences: undefined } } as ControllerRevision;
    const again = world({ ...w.set(), status: undefined } as StatefulSet, orphan);
    await again.sync();
    expect(again.revisions()).toHaveLength(1);
    expect(again.revisions()[0]!.metadata.ownerReferences?.[0]).toMatchObject({ kind: "StatefulSet", name: "web", controller: true });
  });
});

describe("StatefulSet controller: history limit", () => {
  it("keeps revisionHistoryLimit old revisions besides the live ones", async () => {
    const set = newSet({ replicas: 1 });
    set.spec.revisionHistoryLimit = 1;
    const w = world(set);
    await w.sync();
    w.settle();
    for (const image of ["kubelab/web:2", "kubelab/web:3", "kubelab/web:4"]) {
      w.edit((s) => (s.spec.template.spec!.containers[0]!.image = image));
      for (let i = 0; i < 3; i++) {
        await w.sync();
        w.settle();
      }
    }
    // web-0 runs revision 4 (current and update); one older (3) is kept, 1 and 2 are gone.
    expect(w.revisions().map((r) => r.revision).sort()).toEqual([3, 4]);
  });
});
