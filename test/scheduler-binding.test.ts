// pods/binding as Kubernetes' BindingREST has it: the pod's uid as a precondition, annotations
// copied to the pod.
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
});
