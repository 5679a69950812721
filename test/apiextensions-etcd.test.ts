// CRDs on two API servers sharing one etcd (the HA shape): a CRD written through one server is
// served by the other too, both see each other's custom resources, and deleting the CRD through
// either empties it everywhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlFor } from "./fixtures/kubectl";
import { startServersOnEtcd, type ServersOnEtcd } from "./fixtures/servers-on-etcd";
import { eventually } from "./fixtures/wait";

let ha: ServersOnEtcd;
let a: ReturnType<typeof kubectlFor>;
let b: ReturnType<typeof kubectlFor>;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: tanks.example.com}
spec:
  group: example.com
  names: {plural: tanks, kind: Tank}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {litres: {type: integer, default: 10}}}}}}
`;

const tank = (name: string) => `apiVersion: example.com/v1\nkind: Tank\nmetadata: {name: ${name}}\nspec: {}\n`;

beforeAll(async () => {
  ha = await startServersOnEtcd(2);
  a = kubectlFor(ha.servers[0].kubeconfig);
  b = kubectlFor(ha.servers[1].kubeconfig);
});

afterAll(async () => {
  await ha?.stop();
});

describe("CRDs on two API servers over one etcd", () => {
  it("are served by both, with one status, and their custom resources seen by both", async () => {
    await a.ok(["apply", "-f", "-"], CRD);
    await eventually(async () => expect(await b.ok(["apply", "-f", "-"], tank("t1"))).toContain("tank.example.com/t1 created"));
    expect(await a.ok(["get", "tank", "t1", "-o", "jsonpath={.spec.litres}"])).toBe("10");
    await a.ok(["wait", "--for", "condition=established", "crd/tanks.example.com", "--timeout", "10s"]);
    const conditions = JSON.parse(await b.ok(["get", "crd", "tanks.example.com", "-o", "jsonpath={.status.conditions}"]));
    expect(conditions.map((c: { type: string }) => c.type)).toEqual(["NamesAccepted", "Established"]);
  });

  it("go from both when the CRD is deleted through one", async () => {
    await a.ok(["apply", "-f", "-"], tank("t2"));
    await b.ok(["delete", "crd", "tanks.example.com"]);
    await eventually(async () => expect((await a.run(["get", "crd", "tanks.example.com"])).code).not.toBe(0));
    await eventually(async () => expect((await a.run(["get", "--raw", "/apis/example.com/v1/namespaces/default/tanks"])).code).not.toBe(0));
    // Created again, nothing of the old custom resources is left in the store.
    await a.ok(["apply", "-f", "-"], CRD);
    await eventually(async () => expect(await b.ok(["get", "tanks", "-o", "name"])).toBe(""));
  });
});
