import { describe, expect, it } from "vitest";
import type { Namespace } from "../../../api/core";
import type { ObjectWithMeta } from "../../../client";
import { controllerFixture, newDeployment, newNamespace, newPod, newReplicaSet, newService } from "../testing";
import { NamespaceController } from "./controller";

async function setup(objects: ObjectWithMeta[]) {
  const f = controllerFixture(...objects);
  const controller = new NamespaceController({ client: f.client, informers: f.informers });
  return { ...f, controller };
}

const inNamespace = <T extends { metadata: { namespace?: string } }>(namespace: string, obj: T): T => ({ ...obj, metadata: { ...obj.metadata, namespace } });

describe("namespace controller sync", () => {
  it("deletes everything in a terminating namespace, then removes its finalizer once it is empty", async () => {
    const content = [newDeployment("web", 1), newReplicaSet("web-1", 1), newPod("web-1-a"), newPod("web-1-b"), newService("web", [{ port: 80 }])].map((o) =>
      inNamespace("team", o as { metadata: { namespace?: string } }),
    );
    const f = await setup([newNamespace("team", { terminating: true }), ...content, newPod("elsewhere")]);

    const first = await f.controller.sync("team");

    expect(f.client.deleted.map((d) => `${d.resource}/${d.name}`)).toEqual(["deployments/web", "replicasets/web-1", "pods/web-1-a", "pods/web-1-b", "services/web"]);
    expect(f.client.deleted.every((d) => d.namespace === "team" && d.options.propagationPolicy === "Background")).toBe(true);
    expect(f.client.actions({ subresource: "finalize" })).toEqual([]);
    expect(first).toEqual({ requeueAfter: 1000 });

    f.client.clearActions();
    const second = await f.controller.sync("team");

    expect(f.client.deletes()).toEqual([]);
    const finalize = f.client.actions({ verb: "update", resource: "namespaces", subresource: "finalize" });
    expect(finalize).toHaveLength(1);
    expect((finalize[0]!.object as Namespace).spec?.finalizers).toEqual([]);
    expect(second).toBeUndefined();
  });

  it("leaves an active namespace and its content alone", async () => {
    const f = await setup([newNamespace("team"), inNamespace("team", newPod("p"))]);

    await f.controller.sync("team");

    expect(f.client.writes()).toEqual([]);
  });
});
