import { describe, expect, it } from "vitest";
import { controllerRevisionPrinters, controllerrevisions } from "./apps-controllerrevision";
import { statefulSetPrinters, type StatefulSet } from "./apps-statefulset";
import { statefulsets } from "./apps-statefulset-resource";
import { findByKind } from "./index";

const sts = (spec: Record<string, unknown> = {}, labels: Record<string, string> = { app: "web" }) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "web", namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    serviceName: "web",
    template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "kubelab/busybox:1.36", volumeMounts: [{ name: "data", mountPath: "/data" }] }] } },
    volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Mi" } } } }],
    ...spec,
  },
});
const fields = (r: { errors: Array<{ field?: string; message: string }> }) => r.errors.map((e) => `${e.field}: ${e.message}`);

describe("apps/v1 StatefulSet", () => {
  it("is served as apps/v1 StatefulSet (sts) with scale and gets Kubernetes 1.32's defaults", () => {
    expect(findByKind("apps/v1", "StatefulSet")?.plural).toBe("statefulsets");
    expect(statefulsets.shortNames).toEqual(["sts"]);
    expect(statefulsets.subresources).toEqual(["status", "scale"]);
    const r = statefulsets.validate(sts(), "Strict");
    expect(fields(r)).toEqual([]);
    const s = (r.object as StatefulSet).spec;
    expect(s.replicas).toBe(1);
    expect(s.podManagementPolicy).toBe("OrderedReady");
    expect(s.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    expect(s.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(s.revisionHistoryLimit).toBe(10);
    expect(s.volumeClaimTemplates?.[0]).toMatchObject({ spec: { volumeMode: "Filesystem" }, status: { phase: "Pending" } });
  });

  it("OnDelete gets no rollingUpdate, and a rollingUpdate with it is refused", () => {
    expect((statefulsets.validate(sts({ updateStrategy: { type: "OnDelete" } }), "Strict").object as StatefulSet).spec.updateStrategy).toEqual({ type: "OnDelete" });
    expect(fields(statefulsets.validate(sts({ updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 1 } } }), "Strict"))).toEqual([
      'spec.updateStrategy.rollingUpdate: Invalid value: {"partition":1}: only allowed for updateStrategy \'RollingUpdate\'',
    ]);
  });

  it("refuses bad input with Kubernetes' fields and messages", () => {
    const one = (spec: Record<string, unknown>) => fields(statefulsets.validate(sts(spec), "Strict"));
    expect(one({ podManagementPolicy: "Random" })).toEqual(["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"]);
    expect(one({ updateStrategy: { type: "Recreate" } })).toEqual(["spec.updateStrategy: Invalid value: {\"type\":\"Recreate\"}: must be 'RollingUpdate' or 'OnDelete'"]);
    expect(one({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: -1 } } })).toEqual(["spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"]);
    expect(one({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0 } } })).toEqual(["spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0"]);
    expect(one({ persistentVolumeClaimRetentionPolicy: { whenScaled: "Keep" } })).toEqual(['spec.persistentVolumeClaimRetentionPolicy.whenScaled: Unsupported value: "Keep": supported values: "Delete", "Retain"']);
    expect(one({ replicas: -1 })).toEqual(["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]);
    expect(one({ selector: { matchLabels: { app: "db" } } })).toEqual(["spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"]);
    expect(one({ selector: {} })).toEqual(["spec.selector: Invalid value: {}: empty selector is invalid for statefulset"]);
    expect(one({ volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"] } }] })[0]).toMatch(/^spec.volumeClaimTemplates\[0\].spec.resources\[storage\]: Required value/);
    expect(one({ volumeClaimTemplates: [] })[0]).toMatch(/^spec.template.spec.containers\[0\].volumeMounts\[0\].name: Not found: "data"/);
  });

  it("allows only replicas, template, strategy, history, retention, ordinals and minReadySeconds to change", () => {
    const old = statefulsets.validate(sts(), "Strict").object as StatefulSet;
    const scaled = structuredClone(old);
    scaled.spec.replicas = 3;
    scaled.spec.template.spec!.containers[0]!.image = "kubelab/busybox:other";
    expect(statefulsets.validateUpdate(scaled, old)).toEqual([]);
    const renamed = structuredClone(old);
    renamed.spec.serviceName = "other";
    expect(fields({ errors: statefulsets.validateUpdate(renamed, old) })[0]).toMatch(/^spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template'/);
  });

  it("prints NAME READY AGE (wide: CONTAINERS IMAGES)", () => {
    const p = statefulSetPrinters.statefulsets!;
    expect(p.columns.map((c) => [c.name, c.priority])).toEqual([["Name", 0], ["Ready", 0], ["Age", 0], ["Containers", 1], ["Images", 1]]);
    const o = { ...sts({ replicas: 2 }), status: { replicas: 2, readyReplicas: 1 } } as unknown as StatefulSet;
    expect(p.cells(o, new Date("2026-01-01T00:05:00Z"))).toEqual(["web", "1/2", "5m", "c", "kubelab/busybox:1.36"]);
  });
});

describe("apps/v1 ControllerRevision", () => {
  const cr = (extra: Record<string, unknown> = {}) => ({
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name: "web-abc", namespace: "default", ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "u", controller: true }] },
    data: { spec: { template: {} } },
    revision: 1,
    ...extra,
  });
  it("needs data and a nonnegative revision; its data is immutable", () => {
    expect(fields(controllerrevisions.validate(cr(), "Strict"))).toEqual([]);
    expect(fields(controllerrevisions.validate(cr({ data: undefined, revision: -1 }), "Strict"))).toEqual(["data: Required value: data is mandatory", "revision: Invalid value: -1: must be greater than or equal to 0"]);
    const old = controllerrevisions.validate(cr(), "Strict").object!;
    expect(fields({ errors: controllerrevisions.validateUpdate({ ...old, data: { other: 1 } } as never, old) })[0]).toMatch(/^data: Invalid value: .*field is immutable/);
  });
  it("prints NAME CONTROLLER REVISION AGE", () => {
    const p = controllerRevisionPrinters.controllerrevisions!;
    expect(p.cells(controllerrevisions.validate(cr(), "Strict").object!, new Date()).slice(0, 3)).toEqual(["web-abc", "statefulset.apps/web", 1]);
  });
});
