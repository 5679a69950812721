import { describe, expect, it } from "vitest";
import { FieldSet, fieldSetFromFieldsV1, fieldSetToFieldsV1, pathString } from "./fieldpath";
import { findByKind } from "../../../api/index";
import { changedFields, defaultManager, updateManagedFields, type ManagedFieldsEntry } from "./managed-fields";
import { deploymentSchema as schema, sampleDeployment } from "./testdata";

const T1 = "2026-11-22T19:00:00Z";
const T2 = "2026-11-22T19:05:00Z";

type Deployment = ReturnType<typeof sampleDeployment> & { metadata: { managedFields?: unknown[] } };

function created(manager = "kubectl-create"): Deployment {
  const d = sampleDeployment();
  const withMeta = { ...d, metadata: { ...d.metadata, uid: "u-1", resourceVersion: "5", generation: 1, creationTimestamp: T1 } };
  return updateManagedFields({ before: undefined, after: withMeta, manager, operation: "Update", apiVersion: "apps/v1", now: T1, schema }) as Deployment;
}

const entries = (d: { metadata: { managedFields?: unknown[] } }) => (d.metadata.managedFields ?? []) as ManagedFieldsEntry[];

describe("updateManagedFields", () => {
  it("gives the creator every field it set, in Kubernetes' FieldsV1 format", () => {
    const d = created();
    expect(entries(d)).toHaveLength(1);
    const [e] = entries(d);
    expect(e).toMatchObject({ manager: "kubectl-create", operation: "Update", apiVersion: "apps/v1", time: T1, fieldsType: "FieldsV1" });
    expect(e.fieldsV1["f:metadata"]).toEqual({
      "f:annotations": { ".": {}, "f:note": {}, "f:team": {} },
      "f:labels": { ".": {}, "f:app": {} },
    });
    const containers = e.fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"];
    expect(Object.keys(containers)).toEqual(['k:{"name":"api"}', 'k:{"name":"sidecar"}']);
    expect(containers['k:{"name":"api"}']).toEqual({
      ".": {},
      "f:env": { 'k:{"name":"A"}': { ".": {}, "f:name": {}, "f:value": {} }, 'k:{"name":"B"}': { ".": {}, "f:name": {}, "f:value": {} } },
      "f:image": {},
      "f:name": {},
      "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:protocol": {} } },
    });
    expect(containers['k:{"name":"sidecar"}']["f:args"]).toEqual({});
    expect(e.fieldsV1["f:spec"]["f:selector"]).toEqual({});
    expect(e.fieldsV1["f:apiVersion"]).toBeUndefined();
    expect(e.fieldsV1["f:kind"]).toBeUndefined();
  });

  it("never tracks server-set metadata", () => {
    const e = entries(created())[0];
    for (const f of ["f:name", "f:namespace", "f:uid", "f:resourceVersion", "f:generation", "f:creationTimestamp", "f:managedFields"]) {
      expect(e.fieldsV1["f:metadata"][f], f).toBeUndefined();
    }
  });

  it("moves a changed field to the manager that changed it, like `kubectl set image`", () => {
    const before = created();
    const after = structuredClone(before);
    after.spec.template.spec.containers[1].image = "busybox:2";
    const out = updateManagedFields({ before, after, manager: "kubectl-set", operation: "Update", apiVersion: "apps/v1", now: T2, schema });
    const [create, set] = entries(out);
    expect(set).toMatchObject({ manager: "kubectl-set", time: T2 });
    expect(set.fieldsV1).toEqual({ "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"sidecar"}': { "f:image": {} } } } } } });
    expect(create.fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"sidecar"}']["f:image"]).toBeUndefined();
    expect(create.time).toBe(T1);
  });

  it("drops removed fields from every manager and managers left with nothing", () => {
    const before = created();
    const scaled = structuredClone(before);
    scaled.spec.replicas = 7;
    const s = updateManagedFields({ before, after: scaled, manager: "kubectl", operation: "Update", apiVersion: "apps/v1", now: T2, subresource: "scale", schema }) as Deployment;
    expect(entries(s).map((e) => [e.manager, e.subresource])).toEqual([["kubectl-create", undefined], ["kubectl", "scale"]]);
    const after = structuredClone(s);
    delete (after.spec as { replicas?: number }).replicas;
    const out = updateManagedFields({ before: s, after, manager: "kubectl-edit", operation: "Update", apiVersion: "apps/v1", now: T2, schema });
    expect(entries(out).map((e) => e.manager)).toEqual(["kubectl-create"]);
  });

  it("records nothing for a write that changes nothing", () => {
    const before = created();
    const out = updateManagedFields({ before, after: structuredClone(before), manager: "other", operation: "Update", apiVersion: "apps/v1", now: T2, schema });
    expect(out.metadata.managedFields).toEqual(before.metadata.managedFields);
  });

  it("tracks only status through the status subresource, and never status through the main resource", () => {
    const before = created();
    const after = { ...structuredClone(before), status: { replicas: 2 } };
    (after.metadata as { labels: Record<string, string> }).labels = { app: "web", extra: "x" };
    const out = updateManagedFields({ before, after, manager: "kube-controller-manager", operation: "Update", apiVersion: "apps/v1", now: T2, subresource: "status", schema });
    const e = entries(out).find((x) => x.manager === "kube-controller-manager")!;
    expect(e.fieldsV1).toEqual({ "f:status": { "f:replicas": {} } });
    expect(e.subresource).toBe("status");
    const main = updateManagedFields({ before: undefined, after: { ...sampleDeployment(), status: { replicas: 1 } }, manager: "m", operation: "Update", apiVersion: "apps/v1", now: T1, schema });
    expect(entries(main)[0].fieldsV1["f:status"]).toBeUndefined();
  });

  it("lets a client reset managedFields with [{}] and replace them with a list of its own", () => {
    const before = created();
    const cleared = { ...structuredClone(before), metadata: { ...before.metadata, managedFields: [{}] } };
    const out = updateManagedFields({ before, after: cleared, manager: "x", operation: "Update", apiVersion: "apps/v1", now: T2, schema });
    expect(out.metadata.managedFields).toEqual([]);
    const own = [{ manager: "mine", operation: "Update", apiVersion: "apps/v1", time: T1, fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } }];
    const replaced = { ...structuredClone(before), metadata: { ...before.metadata, managedFields: own } };
    const out2 = updateManagedFields({ before, after: replaced, manager: "x", operation: "Update", apiVersion: "apps/v1", now: T2, schema });
    expect(out2.metadata.managedFields).toEqual(own);
  });

  it("sorts Apply entries before Update entries, then by time", () => {
    const d = created("b-manager");
    const mf = [
      { manager: "z", operation: "Update", apiVersion: "apps/v1", time: T1, fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } },
      { manager: "a", operation: "Apply", apiVersion: "apps/v1", time: T2, fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:labels": { "f:app": {} } } } },
    ];
    const before = { ...d, metadata: { ...d.metadata, managedFields: mf } };
    const after = structuredClone(before);
    (after.metadata as { annotations: Record<string, string> }).annotations = { ...after.metadata.annotations, added: "1" };
    const out = updateManagedFields({ before, after: { ...after, metadata: { ...after.metadata, managedFields: mf } }, manager: "y", operation: "Update", apiVersion: "apps/v1", now: T2, schema });
    expect(entries(out).map((e) => `${e.operation}:${e.manager}`)).toEqual(["Apply:a", "Update:z", "Update:y"]);
  });
});

describe("field sets", () => {
  it("round-trip through FieldsV1 and print paths as Kubernetes does", () => {
    const tree = {
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} }, "f:finalizers": { 'v:"x"': {} } },
      "f:spec": { "f:containers": { 'k:{"name":"nginx"}': { ".": {}, "f:image": {} } }, "f:replicas": {} },
    };
    const set = fieldSetFromFieldsV1(tree);
    expect(set.size).toBe(6);
    expect(fieldSetToFieldsV1(set)).toEqual(tree);
    expect(set.paths().map(pathString).sort()).toEqual([
      ".metadata.finalizers[=\"x\"]",
      ".metadata.labels",
      ".metadata.labels.app",
      ".spec.containers[name=\"nginx\"]",
      ".spec.containers[name=\"nginx\"].image",
      ".spec.replicas",
    ]);
    expect(new FieldSet([["f:a"]]).union(new FieldSet([["f:b"]])).size).toBe(2);
  });
});

describe("defaultManager", () => {
  it("takes the program name from the user agent", () => {
    expect(defaultManager("kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9")).toBe("kubectl");
    expect(defaultManager("kubelab-agent/0.1")).toBe("kubelab-agent");
    expect(defaultManager(undefined)).toBe("unknown");
    expect(defaultManager("x".repeat(300))).toHaveLength(128);
  });
});

describe("updateManagedFields without a schema argument", () => {
  it("finds the schema of a served kind by apiVersion and kind, so containers are keyed by name", () => {
    const out = updateManagedFields({ before: undefined, after: sampleDeployment(), manager: "kubectl-create", operation: "Update", apiVersion: "apps/v1", now: T1 });
    const fields = entries(out)[0].fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"];
    expect(Object.keys(fields)).toEqual(['k:{"name":"api"}', 'k:{"name":"sidecar"}']);
  });

  it("treats lists of unknown kinds as atomic and their objects as maps", () => {
    const out = updateManagedFields({ before: undefined, after: { apiVersion: "x/v1", kind: "Thing", metadata: {}, spec: { items: [{ a: 1 }] } }, manager: "m", operation: "Update", apiVersion: "x/v1", now: T1 });
    expect(entries(out)[0].fieldsV1).toEqual({ "f:spec": { ".": {}, "f:items": {} } });
  });
});

describe("updateManagedFields on a create", () => {
  // A create with no managers of its own takes a walk that builds the FieldsV1 tree at once; it
  // must own exactly what the general bookkeeping finds (changedFields against nothing).
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u", labels: { app: "a", "x.io/y": "" }, annotations: {}, finalizers: ["a/b", "c/d"], ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u2", controller: true }] },
    spec: {
      containers: [
        { name: "web", image: "w:1", ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }], resources: { requests: { cpu: "10m" }, limits: {} }, args: [], env: [{ name: "A", value: "1" }, { name: "B" }], volumeMounts: [] },
        { name: "side", image: "s:1", command: ["sh", "-c", "true"], securityContext: { capabilities: { add: ["NET_ADMIN"] } } },
      ],
      tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule" }],
      securityContext: {},
      nodeSelector: { zone: "a" },
      restartPolicy: "Always",
      imagePullSecrets: [],
      undefinedField: undefined,
    },
    status: { phase: "Pending", conditions: [{ type: "Ready", status: "False" }] },
  };
  const deployment = sampleDeployment();
  const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { "a.txt": "x", b: "" }, binaryData: {} };
  const cases: [string, unknown, string | undefined][] = [
    ["a pod", pod, undefined],
    ["a pod through its status", pod, "status"],
    ["a deployment", deployment, undefined],
    ["a config map", configMap, undefined],
    ["an unknown kind", { apiVersion: "x/v1", kind: "Thing", metadata: { labels: { a: "b" } }, spec: { items: [{ a: 1 }], m: { k: {} } } }, undefined],
    ["an object with nothing to own", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", uid: "u" } }, undefined],
  ];
  for (const [what, obj, subresource] of cases) {
    it(`owns what changedFields finds: ${what}${subresource ? ` (${subresource})` : ""}`, () => {
      const o = obj as { apiVersion: string; kind: string; metadata: Record<string, unknown> };
      const s = findByKind(o.apiVersion, o.kind)?.jsonSchema ?? {};
      const expected = fieldSetToFieldsV1(changedFields(undefined, o, s, subresource));
      for (const sent of [undefined, [], [{}]]) {
        const after = { ...o, metadata: { ...o.metadata, ...(sent ? { managedFields: sent } : {}) } };
        const out = entries(updateManagedFields({ before: undefined, after, manager: "m", operation: "Update", apiVersion: o.apiVersion, now: T1, subresource, schema: s }));
        if (Object.keys(expected).length === 0) expect(out).toEqual([]);
        else expect(out).toEqual([{ manager: "m", operation: "Update", apiVersion: o.apiVersion, time: T1, fieldsType: "FieldsV1", fieldsV1: expected, ...(subresource ? { subresource } : {}) }]);
        // Key order too: the stored JSON is what clients see.
        expect(JSON.stringify(out[0]?.fieldsV1 ?? {})).toBe(JSON.stringify(Object.keys(expected).length ? expected : {}));
      }
    });
  }

  it("keeps the managers a create brings (an exported object created again)", () => {
    // What a create writes through the main resource never includes the status: its owner stays.
    const sent = [{ manager: "other", operation: "Update", apiVersion: "apps/v1", time: T1, fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} }, "f:status": { "f:replicas": {} } }, subresource: "status" }];
    const d = { ...sampleDeployment(), status: { replicas: 1 } };
    const out = entries(updateManagedFields({ before: undefined, after: { ...d, metadata: { ...d.metadata, managedFields: sent } }, manager: "m", operation: "Update", apiVersion: "apps/v1", now: T2, schema }));
    expect(out.map((e) => [e.manager, e.fieldsV1["f:status"]])).toEqual([["other", { "f:replicas": {} }], ["m", undefined]]);
  });
});
