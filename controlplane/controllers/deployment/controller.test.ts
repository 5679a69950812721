import { describe, expect, it } from "vitest";
import type { Deployment, ReplicaSet } from "../../../api/apps";
import { deployments as dRes } from "../../../client";
import { rfc3339 } from "../../../api/time";
import { controllerFixture, newDeployment, newReplicaSet, T0 } from "../testing";
import { DeploymentController } from "./controller";
import { computeHash, POD_TEMPLATE_HASH_LABEL } from "./hash";
import { REVISION_ANNOTATION } from "./util";

async function setup(objects: Array<Deployment | ReplicaSet>) {
  const f = controllerFixture(...objects);
  const controller = new DeploymentController({ client: f.client, informers: f.informers, clock: f.clock });
  return { ...f, controller };
}

/** A ReplicaSet of d at revision rev with `replicas`, all of them available, made from template. */
function replicaSetOf(d: Deployment, template: Deployment["spec"]["template"], replicas: number, rev: number, available = replicas): ReplicaSet {
  const hash = computeHash(template);
  const rs = newReplicaSet(`${d.metadata.name}-${hash}`, replicas, { owner: d, labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash } });
  rs.spec.template = structuredClone(template);
  rs.spec.template.metadata = { labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash } };
  rs.metadata.annotations = { [REVISION_ANNOTATION]: String(rev), "deployment.kubernetes.io/desired-replicas": String(d.spec.replicas), "deployment.kubernetes.io/max-replicas": "5" };
  rs.status = { replicas, readyReplicas: available, availableReplicas: available, observedGeneration: 1 };
  return rs;
}

/** d rolled from the template of `old` to a new image. */
function rolledDeployment(o: { maxSurge: number; maxUnavailable: number }) {
  const d = newDeployment("web", 4, o);
  const oldTemplate = structuredClone(d.spec.template);
  d.spec.template.spec!.containers[0]!.image = "kubelab/web:2";
  return { d, old: replicaSetOf(d, oldTemplate, 4, 1) };
}

const replicasOf = (a: { object?: unknown }) => (a.object as ReplicaSet).spec.replicas;

describe("Deployment controller sync", () => {
  it("creates the ReplicaSet of a new Deployment, named and labelled with the pod-template hash, at revision 1", async () => {
    const d = newDeployment("web", 3);
    const f = await setup([d]);

    await f.controller.sync("default/web");

    const hash = computeHash(d.spec.template);
    const creates = f.client.creates("replicasets");
    expect(creates).toHaveLength(1);
    const rs = creates[0]!.object as ReplicaSet;
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec.replicas).toBe(3);
    expect(rs.spec.selector.matchLabels).toEqual({ app: "web", [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(rs.spec.template?.metadata?.labels).toEqual({ app: "web", [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(rs.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "web", uid: d.metadata.uid, controller: true });
    expect(rs.metadata.annotations?.[REVISION_ANNOTATION]).toBe("1");
    // The Deployment carries the revision and a Progressing condition saying why.
    expect(f.client.object<Deployment>(dRes, "default", "web")?.metadata.annotations?.[REVISION_ANNOTATION]).toBe("1");
    const conditions = f.client.object<Deployment>(dRes, "default", "web")?.status?.conditions ?? [];
    expect(conditions.find((c) => c.type === "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetCreated" });
  });

  it("starts a rolling update within maxSurge and maxUnavailable: one new pod up, one old pod down", async () => {
    const { d, old } = rolledDeployment({ maxSurge: 1, maxUnavailable: 1 });
    const f = await setup([d, old]);

    await f.controller.sync("default/web");

    // 1 new + 3 old: at most 4 + maxSurge pods, and 3 old ones stay available (4 - maxUnavailable).
    const creates = f.client.creates("replicasets");
    expect(creates.map(replicasOf)).toEqual([1]);
    expect((creates[0]!.object as ReplicaSet).metadata.annotations?.[REVISION_ANNOTATION]).toBe("2");
    const scaled = f.client.updates("replicasets").filter((a) => a.name === old.metadata.name);
    expect(scaled.map(replicasOf)).toEqual([3]);
  });

  it("keeps every old pod while the new ones are not available when maxUnavailable is 0", async () => {
    const { d, old } = rolledDeployment({ maxSurge: 1, maxUnavailable: 0 });
    const f = await setup([d, old]);

    await f.controller.sync("default/web");

    expect(f.client.creates("replicasets").map(replicasOf)).toEqual([1]);
    expect(f.client.updates("replicasets").filter((a) => a.name === old.metadata.name)).toEqual([]);
  });

  it("scales the old ReplicaSet down as new pods become available", async () => {
    const { d, old } = rolledDeployment({ maxSurge: 1, maxUnavailable: 0 });
    const next = replicaSetOf(d, d.spec.template, 1, 2);
    const f = await setup([d, old, next]);

    await f.controller.sync("default/web");

    // 5 pods, 1 new available: the budget is 5 - 4 - 0 = 1 old pod.
    expect(f.client.creates("replicasets")).toEqual([]);
    expect(f.client.updates("replicasets").filter((a) => a.name === old.metadata.name).map(replicasOf)).toEqual([3]);
  });

  it("creates no new ReplicaSet for a paused Deployment whose template changed", async () => {
    const { d, old } = rolledDeployment({ maxSurge: 1, maxUnavailable: 1 });
    d.spec.paused = true;
    const f = await setup([d, old]);

    await f.controller.sync("default/web");

    expect(f.client.creates("replicasets")).toEqual([]);
    // The old ReplicaSet keeps its 4 replicas (only its annotations may be refreshed).
    expect(f.client.updates("replicasets").map(replicasOf)).not.toContain(3);
    expect(f.client.updates("replicasets").every((a) => replicasOf(a) === 4)).toBe(true);
  });

  it("Recreate scales every old ReplicaSet to zero before creating the new one", async () => {
    const d = newDeployment("web", 4, { strategy: "Recreate" });
    const oldTemplate = structuredClone(d.spec.template);
    d.spec.template.spec!.containers[0]!.image = "kubelab/web:2";
    const old = replicaSetOf(d, oldTemplate, 4, 1);
    const f = await setup([d, old]);

    await f.controller.sync("default/web");

    expect(f.client.updates("replicasets").map(replicasOf)).toEqual([0]);
    expect(f.client.creates("replicasets")).toEqual([]);
  });

  it("adopts an orphan ReplicaSet that matches its selector", async () => {
    const d = newDeployment("web", 2);
    const orphan = replicaSetOf(d, d.spec.template, 2, 1);
    orphan.metadata.ownerReferences = undefined;
    const f = await setup([d, orphan]);

    await f.controller.sync("default/web");

    const patch = f.client.actions({ verb: "patch", resource: "replicasets", name: orphan.metadata.name });
    expect(patch).toHaveLength(1);
    expect((patch[0]!.object as ReplicaSet).metadata.ownerReferences?.map((r) => r.uid)).toEqual([d.metadata.uid]);
    expect(f.client.creates("replicasets")).toEqual([]);
  });

  it("deletes the oldest ReplicaSets at zero beyond revisionHistoryLimit once the rollout is complete", async () => {
    const d = newDeployment("web", 2);
    d.spec.revisionHistoryLimit = 2;
    const current = replicaSetOf(d, d.spec.template, 2, 5);
    const old = [1, 2, 3, 4].map((rev) => {
      const t = structuredClone(d.spec.template);
      t.spec!.containers[0]!.image = `kubelab/web:old-${rev}`;
      return replicaSetOf(d, t, 0, rev);
    });
    const f = await setup([d, current, ...old]);

    await f.controller.sync("default/web");

    expect(f.client.deleted.map((x) => x.name)).toEqual([old[0]!.metadata.name, old[1]!.metadata.name]);
  });

  it("marks a rollout that made no progress for progressDeadlineSeconds as ProgressDeadlineExceeded, and not before", async () => {
    const d = newDeployment("web", 2);
    d.metadata.annotations = { [REVISION_ANNOTATION]: "1" };
    const stuck = replicaSetOf(d, d.spec.template, 2, 1, 0);
    d.status = {
      observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 2,
      conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: "", lastUpdateTime: rfc3339(T0), lastTransitionTime: rfc3339(T0) }],
    };
    const early = await setup([d, stuck]);
    early.clock.advance(300_000);

    expect(await early.controller.sync("default/web")).toEqual({ requeueAfter: 300_100 });
    const progressing = (f: typeof early) => f.client.object<Deployment>(dRes, "default", "web")?.status?.conditions?.find((c) => c.type === "Progressing");
    expect(progressing(early)?.reason).toBe("ReplicaSetUpdated");

    const late = await setup([d, stuck]);
    late.clock.advance(600_000);
    await late.controller.sync("default/web");
    expect(progressing(late)).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${stuck.metadata.name}" has timed out progressing.` });
  });

  it("does nothing for a Deployment that is gone", async () => {
    const f = await setup([]);

    await f.controller.sync("default/web");

    expect(f.client.writes()).toEqual([]);
  });
});
