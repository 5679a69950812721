import { describe, expect, it } from "vitest";
import { resourceTypes } from "../../../api";
import type { KObject, ResourceType } from "../../../api/resource";
import { ApiError } from "../errors";
import { genericStrategy } from "../strategies/strategy";
import type { AdmissionAttributes } from "./attributes";
import { MIRROR_POD_ANNOTATION, withNodeRestriction } from "./noderestriction";

const typeOf = (group: string, kind: string) => resourceTypes.find((t) => t.group === group && t.kind === kind) as ResourceType;
const asNode = (name: string): AdmissionAttributes => ({ operation: "CREATE", user: { name: `system:node:${name}`, groups: ["system:nodes"] }, dryRun: false, warn: () => {} });
const asUser: AdmissionAttributes = { operation: "CREATE", user: { name: "alice", groups: [] }, dryRun: false, warn: () => {} };

async function admit(kind: [string, string], obj: KObject, old?: KObject, attrs = asNode("a")): Promise<string | undefined> {
  const rt = typeOf(...kind);
  const s = withNodeRestriction(rt, genericStrategy(rt));
  return s.admit(obj, old, attrs).then(
    () => undefined,
    (e: unknown) => {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe(403);
      return (e as ApiError).message;
    },
  );
}

const POD: [string, string] = ["", "Pod"];
const NODE: [string, string] = ["", "Node"];
const mirror = (spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KObject =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "nginx-a", namespace: "default", annotations: { [MIRROR_POD_ANNOTATION]: "uid" }, ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "a", uid: "n", controller: true }], ...meta },
    spec: { nodeName: "a", containers: [{ name: "c", image: "x" }], ...spec },
  }) as KObject;
const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []): KObject => ({ apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: { taints } }) as KObject;

describe("NodeRestriction", () => {
  it("lets a node create mirror pods of its own static pods", async () => {
    expect(await admit(POD, mirror())).toBeUndefined();
  });

  it("refuses a node's other pods with Kubernetes' reasons", async () => {
    expect(await admit(POD, mirror({}, { annotations: {} }))).toBe('pods "nginx-a" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "a" can only create mirror pods');
    expect(await admit(POD, mirror({ nodeName: "b" }))).toBe('pods "nginx-a" is forbidden: node "a" can only create pods with spec.nodeName set to itself');
    expect(await admit(POD, mirror({}, { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "b", uid: "x" }] }))).toMatch(/can only create pods with an owner reference set to itself$/);
    expect(await admit(POD, mirror({ volumes: [{ name: "s", secret: { secretName: "db" } }] }))).toMatch(/node "a" can not create pods that reference secrets$/);
    expect(await admit(POD, mirror({ serviceAccountName: "admin" }))).toMatch(/can not create pods that use service accounts$/);
  });

  it("lets a node write only its own Node, without restricted labels or taint changes", async () => {
    expect(await admit(NODE, node("a"))).toBeUndefined();
    expect(await admit(NODE, node("b"))).toBe('nodes "b" is forbidden: node "a" is not allowed to modify node "b"');
    expect(await admit(NODE, node("a", { "node-restriction.kubernetes.io/pool": "gpu" }))).toMatch(/not allowed to set the following labels: node-restriction.kubernetes.io\/pool$/);
    expect(await admit(NODE, node("a", {}, [{ key: "k", effect: "NoSchedule" }]), node("a"), { ...asNode("a"), operation: "UPDATE" })).toMatch(/not allowed to modify taints$/);
  });

  it("lets a node create only its own Lease", async () => {
    const lease = (ns: string, name: string) => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { namespace: ns, name }, spec: {} }) as KObject;
    expect(await admit(["coordination.k8s.io", "Lease"], lease("kube-node-lease", "a"))).toBeUndefined();
    expect(await admit(["coordination.k8s.io", "Lease"], lease("kube-node-lease", "b"))).toMatch(/can only access node lease with the same name as the requesting node$/);
  });

  it("leaves everyone who is not a node alone", async () => {
    expect(await admit(POD, mirror({ nodeName: "b" }, { annotations: {} }), undefined, asUser)).toBeUndefined();
    expect(await admit(NODE, node("b"), undefined, asUser)).toBeUndefined();
  });

  it("lets a node drop the local-path cleanup finalizer of a volume provisioned on it, and nothing else", async () => {
    const PV: [string, string] = ["", "PersistentVolume"];
    const pv = (node: string, finalizers: string[], capacity = "1Gi"): KObject =>
      ({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pvc-1", labels: { "kubelab.io/local-path-node": node }, finalizers }, spec: { capacity: { storage: capacity } } }) as KObject;
    const both = ["kubernetes.io/pv-protection", "kubelab.io/local-path-cleanup"];
    expect(await admit(PV, pv("a", ["kubernetes.io/pv-protection"]), pv("a", both))).toBeUndefined();
    expect(await admit(PV, pv("b", ["kubernetes.io/pv-protection"]), pv("b", both))).toBe('persistentvolumes "pvc-1" is forbidden: node "a" can only modify persistentvolumes provisioned on it');
    expect(await admit(PV, pv("a", []), pv("a", both))).toMatch(/can only remove the kubelab.io\/local-path-cleanup finalizer/);
    expect(await admit(PV, pv("a", both, "9Gi"), pv("a", both))).toMatch(/can only remove the kubelab.io\/local-path-cleanup finalizer/);
    expect(await admit(PV, pv("a", both))).toBe('persistentvolumes "pvc-1" is forbidden: node "a" can not create persistentvolumes');
  });
});
