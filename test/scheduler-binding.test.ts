// pods/binding as Kubernetes' BindingREST has it: the pod's uid as a precondition, annotations
// copied to the pod, PodScheduled=True in the same write as the node, the Binding validated
// (ValidatePodBinding) and the write made through storage alone, so managedFields name no owner
// of the node (as kubernetes/kubernetes#127508 shows a real cluster's pods).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../api/core";
import { isConflict, pods, RestClient } from "../client";
import { startTestServer, type TestServer } from "./fixtures/server";

let server: TestServer;
let client: RestClient;
beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const pending = (name: string) => client.create<Pod>(pods, "default", { metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }] } } as Pod);

describe("pods/binding", () => {
  it("refuses a binding for another pod of the same name (uid precondition) with Kubernetes' message", async () => {
    const pod = await pending("bind-uid");
    const err = await client.createBinding("default", "bind-uid", "node-1", { podUid: "not-the-uid" }).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as Error).message).toContain(`Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${pod.metadata.uid}`);
    expect((await client.get<Pod>(pods, "default", "bind-uid")).spec.nodeName).toBeUndefined();
  });

  it("copies the Binding's annotations to the pod", async () => {
    await pending("bind-ann");
    await client.raw("POST", "/api/v1/namespaces/default/pods/bind-ann/binding", {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: "bind-ann", annotations: { "example.com/placed-by": "test" } },
      target: { apiVersion: "v1", kind: "Node", name: "node-2" },
    });
    const bound = await client.get<Pod>(pods, "default", "bind-ann");
    expect(bound.metadata.annotations).toMatchObject({ "example.com/placed-by": "test" });
    expect(bound.spec.nodeName).toBe("node-2");
  });

  it("marks the pod PodScheduled=True in the same write, replacing an Unschedulable condition", async () => {
    const pod = await pending("bind-cond");
    const unschedulable = { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/0 nodes are available", lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:00Z" };
    await client.patchSubresource(pods, "default", "bind-cond", "status", { status: { conditions: [{ type: "Initialized", status: "True" }, unschedulable] } }, "merge");
    await client.createBinding("default", "bind-cond", "node-3", { podUid: pod.metadata.uid });
    const bound = await client.get<Pod>(pods, "default", "bind-cond");
    expect(bound.spec.nodeName).toBe("node-3");
    const scheduled = bound.status?.conditions?.filter((c) => c.type === "PodScheduled");
    expect(scheduled).toHaveLength(1);
    expect(scheduled![0]!.status).toBe("True");
    expect(scheduled![0]!.reason).toBeUndefined();
    expect(scheduled![0]!.lastTransitionTime).not.toBe("2026-01-01T00:00:00Z");
    expect(bound.status?.conditions?.find((c) => c.type === "Initialized")?.status).toBe("True");
    expect(bound.status?.phase).toBe("Pending");
  });

  it("refuses a Binding with a wrong target kind, no target name or a name no Node can have (422, pod unchanged)", async () => {
    const pod = await pending("bind-bad");
    const bind = (target: Record<string, string>) =>
      client.raw("POST", "/api/v1/namespaces/default/pods/bind-bad/binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "bind-bad" }, target }).catch((e: unknown) => e as Error & { status?: number });
    const cases: Array<[Record<string, string>, string]> = [
      [{ kind: "Service", name: "n1" }, `Binding "bind-bad" is invalid: target.kind: Invalid value: "Service": must be empty or 'Node'`],
      [{ kind: "Node" }, `Binding "bind-bad" is invalid: target.name: Required value`],
      [{ name: "Not_A_Node" }, `Binding "bind-bad" is invalid: target.name: Invalid value: "Not_A_Node": a lowercase RFC 1123 subdomain`],
    ];
    for (const [target, message] of cases) {
      const err = await bind(target);
      expect(err, JSON.stringify(target)).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(message);
    }
    const after = await client.get<Pod>(pods, "default", "bind-bad");
    expect(after.spec.nodeName).toBeUndefined();
    expect(after.metadata.resourceVersion).toBe(pod.metadata.resourceVersion);
  });

  it("leaves managedFields as they were: nobody owns spec.nodeName or PodScheduled after a binding", async () => {
    const pod = await pending("bind-mf");
    await client.createBinding("default", "bind-mf", "node-4", { podUid: pod.metadata.uid });
    const bound = await client.get<Pod>(pods, "default", "bind-mf");
    expect(bound.spec.nodeName).toBe("node-4");
    expect(bound.metadata.managedFields).toEqual(pod.metadata.managedFields);
    expect(JSON.stringify(bound.metadata.managedFields)).not.toContain("nodeName");
  });
});
