import { describe, expect, it } from "vitest";
import type { ControllerRevision } from "../../../api/apps-controllerrevision";
import type { DaemonSet } from "../../../api/apps-daemonset";
import type { Pod } from "../../../api/core";
import { rfc3339 } from "../../../api/time";
import { controllerrevisions, daemonsets, pods } from "../../../client";
import { DaemonSetController } from "../daemonset/controller";
import { computeHash } from "../deployment/hash";
import { controllerFixture, newNode, T0 } from "../testing";
import { CONTROLLER_REVISION_HASH_LABEL, templateOf } from "./revision";

const newDaemonSet = (image: string, limit = 10): DaemonSet =>
  ({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "default", uid: "ds-uid", resourceVersion: "1", generation: 1, creationTimestamp: rfc3339(T0) },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "agent", image }] } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: limit,
    },
  }) as unknown as DaemonSet;

/** Syncs ds over the stored revisions (and its pods), as the controller would after each edit. */
async function syncWith(ds: DaemonSet, revisions: ControllerRevision[], extra: Pod[] = []) {
  const f = controllerFixture(ds, newNode("n1"), ...revisions, ...extra);
  const c = new DaemonSetController({ client: f.client, informers: f.informers, clock: f.clock });
  await c.sync("default/agent");
  return { revisions: f.client.objects<ControllerRevision>(controllerrevisions, "default"), pods: f.client.objects<Pod>(pods, "default"), status: f.client.object<DaemonSet>(daemonsets, "default", "agent")!.status };
}

describe("DaemonSet ControllerRevisions", () => {
  it("snapshots each template as <ds>-<hash>, the hash its pods carry, and renumbers an old one on rollback", async () => {
    const v1 = newDaemonSet("kubelab/web:1");
    const first = await syncWith(v1, []);
    const h1 = computeHash(v1.spec.template);
    expect(first.revisions.map((r) => [r.metadata.name, r.revision, r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]])).toEqual([[`agent-${h1}`, 1, h1]]);
    expect(first.revisions[0]!.metadata.ownerReferences?.[0]).toMatchObject({ kind: "DaemonSet", name: "agent", controller: true });
    expect(templateOf(first.revisions[0]!)).toEqual(v1.spec.template);
    expect(first.pods[0]!.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe(h1);

    const v2 = newDaemonSet("kubelab/web:2");
    const second = await syncWith(v2, first.revisions);
    expect(second.revisions.map((r) => r.revision).sort()).toEqual([1, 2]);

    const back = await syncWith(newDaemonSet("kubelab/web:1"), second.revisions);
    expect(Object.fromEntries(back.revisions.map((r) => [r.metadata.name, r.revision]))).toEqual({ [`agent-${h1}`]: 3, [`agent-${computeHash(v2.spec.template)}`]: 2 });
  });

  it("keeps revisionHistoryLimit old revisions that no pod runs", async () => {
    let revs: ControllerRevision[] = [];
    for (const image of ["a", "b", "c", "d"]) revs = (await syncWith(newDaemonSet(`kubelab/web:${image}`, 1), revs)).revisions;
    expect(revs.map((r) => r.revision).sort()).toEqual([3, 4]);
  });
});
