import { describe, expect, it } from "vitest";
import { deployments } from "../../../api/index";
import { updateManagedFields, type ManagedFieldsEntry } from "./managed-fields";
import { describeConflicts, serverSideApply } from "./server-side-apply";
import { deploymentSchema as schema, sampleDeployment } from "./testdata";

const T1 = "2026-11-22T19:00:00Z";
const T2 = "2026-11-22T19:05:00Z";
const T3 = "2026-11-22T19:10:00Z";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests poke into plain JSON objects */
type Obj = Record<string, any>;

function config(opts: { replicas?: number; image?: string; annotations?: Record<string, string>; sidecar?: boolean } = {}): Obj {
  const containers: Obj[] = [{ name: "api", image: opts.image ?? "nginx:1.27", ports: [{ containerPort: 80 }] }];
  if (opts.sidecar) containers.push({ name: "sidecar", image: "busybox:1" });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: { app: "web" }, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers } },
    },
  };
}

function apply(live: Obj | undefined, applied: Obj, manager = "kubectl", force = false, now = T1) {
  return serverSideApply({ live, applied, manager, force, schema, now });
}

function applyOk(live: Obj | undefined, applied: Obj, manager = "kubectl", force = false, now = T1): Obj {
  const r = apply(live, applied, manager, force, now);
  expect(r.conflicts).toEqual([]);
  return r.object;
}

function update(before: Obj, change: (o: Obj) => void, manager: string, now: string, subresource?: string): Obj {
  const after = structuredClone(before);
  change(after);
  return updateManagedFields({ before, after, manager, operation: "Update", apiVersion: "apps/v1", now, subresource, schema });
}

const mf = (o: Obj) => o.metadata.managedFields as ManagedFieldsEntry[];
const managers = (o: Obj) => mf(o).map((e) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ""}`);
const owner = (o: Obj, name: string) => mf(o).find((e) => e.manager === name)?.fieldsV1;

describe("serverSideApply", () => {
  it("creates the object on first apply and owns exactly the applied fields", () => {
    const obj = applyOk(undefined, config({ replicas: 2 }));
    expect(obj.spec.replicas).toBe(2);
    expect(obj.spec.template.spec.containers).toEqual([{ name: "api", image: "nginx:1.27", ports: [{ containerPort: 80 }] }]);
    expect(mf(obj)).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: T1,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"api"}': {
                    ".": {},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it("removes fields the manager applied before and no longer applies", () => {
    const first = applyOk(undefined, config({ replicas: 2, annotations: { note: "x", keep: "y" }, sidecar: true }));
    const second = applyOk(first, config({ replicas: 2, annotations: { keep: "y" } }), "kubectl", false, T2);
    expect(second.metadata.annotations).toEqual({ keep: "y" });
    expect(second.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(["api"]);
    const third = applyOk(second, config({ replicas: 2 }), "kubectl", false, T3);
    expect(third.metadata.annotations).toBeUndefined();
    expect(owner(third, "kubectl")!["f:metadata"]["f:annotations"]).toBeUndefined();
    expect(mf(third)[0].time).toBe(T3);
  });

  it("keeps fields it stopped applying when another manager also owns them", () => {
    const a = applyOk(undefined, config({ replicas: 3 }), "team-a");
    const shared = applyOk(a, config({ replicas: 3 }), "team-b");
    expect(managers(shared)).toEqual(["team-a/Apply", "team-b/Apply"]);
    const out = applyOk(shared, config({}), "team-a", false, T2);
    expect(out.spec.replicas).toBe(3);
    expect(owner(out, "team-a")!["f:spec"]["f:replicas"]).toBeUndefined();
    expect(owner(out, "team-b")!["f:spec"]["f:replicas"]).toEqual({});
  });

  it("reports a conflict when another manager owns a field the apply changes, and takes it with force", () => {
    const csa = updateManagedFields({
      before: undefined,
      after: config({ replicas: 2 }),
      manager: "kubectl-client-side-apply",
      operation: "Update",
      apiVersion: "apps/v1",
      now: T1,
      schema,
    });
    const refused = apply(csa, config({ replicas: 3 }), "kubectl", false, T2);
    expect(refused.conflicts).toEqual([{ manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", field: ".spec.replicas" }]);
    expect(refused.object.spec).toEqual(csa.spec);
    const d = describeConflicts(refused.conflicts);
    expect(d.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(d.causes).toEqual([{ reason: "FieldManagerConflict", message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: ".spec.replicas" }]);

    const forced = applyOk(csa, config({ replicas: 3 }), "kubectl", true, T2);
    expect(forced.spec.replicas).toBe(3);
    expect(owner(forced, "kubectl-client-side-apply")!["f:spec"]["f:replicas"]).toBeUndefined();
    expect(owner(forced, "kubectl")!["f:spec"]["f:replicas"]).toEqual({});
  });

  it("shares ownership without conflict when the applied value equals the live one", () => {
    const csa = updateManagedFields({ before: undefined, after: config({ replicas: 2 }), manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", now: T1, schema });
    const out = applyOk(csa, config({ replicas: 2 }), "kubectl", false, T2);
    expect(owner(out, "kubectl")!["f:spec"]["f:replicas"]).toEqual({});
    expect(owner(out, "kubectl-client-side-apply")!["f:spec"]["f:replicas"]).toEqual({});
  });

  it("keeps replicas set by `kubectl scale` when the next apply leaves replicas out", () => {
    const applied = applyOk(undefined, config({ replicas: 2 }), "gitsync");
    const scaled = update(applied, (o) => (o.spec.replicas = 5), "kubectl", T2, "scale");
    expect(managers(scaled)).toEqual(["gitsync/Apply", "kubectl/Update/scale"]);
    expect(owner(scaled, "gitsync")!["f:spec"]["f:replicas"]).toBeUndefined();

    const reapplied = applyOk(scaled, config({}), "gitsync", false, T3);
    expect(reapplied.spec.replicas).toBe(5);

    const conflict = apply(scaled, config({ replicas: 2 }), "gitsync", false, T3);
    expect(describeConflicts(conflict.conflicts).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
    );
  });

  it("restores a field changed by `kubectl edit` when git-sync re-applies with force", () => {
    const applied = applyOk(undefined, config({ replicas: 2, image: "nginx:1.27" }), "gitsync");
    const edited = update(applied, (o) => (o.spec.template.spec.containers[0].image = "nginx:9.9"), "kubectl-edit", T2);
    expect(managers(edited)).toEqual(["gitsync/Apply", "kubectl-edit/Update"]);

    const refused = apply(edited, config({ replicas: 2, image: "nginx:1.27" }), "gitsync", false, T3);
    expect(refused.conflicts.map((c) => c.field)).toEqual(['.spec.template.spec.containers[name="api"].image']);

    const restored = applyOk(edited, config({ replicas: 2, image: "nginx:1.27" }), "gitsync", true, T3);
    expect(restored.spec.template.spec.containers[0].image).toBe("nginx:1.27");
    expect(managers(restored)).toEqual(["gitsync/Apply"]);
    expect(owner(restored, "gitsync")!["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"api"}']["f:image"]).toEqual({});
  });

  it("words several conflicts the way Kubernetes does", () => {
    const csa = updateManagedFields({ before: undefined, after: config({ replicas: 2 }), manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", now: T1, schema });
    const r = apply(csa, config({ replicas: 3, image: "nginx:2" }), "kubectl", false, T2);
    expect(r.conflicts).toHaveLength(2);
    expect(describeConflicts(r.conflicts).message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="api"].image',
    );
  });

  it("conflicts with another applier without naming an apiVersion", () => {
    const a = applyOk(undefined, config({ replicas: 2 }), "team-a");
    const r = apply(a, config({ replicas: 4 }), "team-b", false, T2);
    expect(describeConflicts(r.conflicts).message).toBe('Apply failed with 1 conflict: conflict with "team-a": .spec.replicas');
  });

  it("merges lists by key: items of other managers stay, new items follow the applied order", () => {
    const a = applyOk(undefined, config({ sidecar: true }), "team-a");
    const withInit = update(a, (o) => o.spec.template.spec.containers.push({ name: "logger", image: "l" }), "kubectl-edit", T2);
    const cfg = config({ sidecar: false });
    cfg.spec.template.spec.containers.push({ name: "metrics", image: "m" });
    const out = applyOk(withInit, cfg, "team-a", false, T3);
    expect(out.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(["api", "logger", "metrics"]);
  });

  it("keeps a map the applier owned as a whole while it still applies one of its keys (kubectl's client-side to server-side migration)", () => {
    const csa = updateManagedFields({ before: undefined, after: config({ replicas: 2, annotations: { note: "x" } }), manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", now: T1, schema });
    // kubectl moves the client-side-apply entry to an Apply entry of "kubectl", "." on maps included.
    const migrated = structuredClone(csa);
    for (const e of mf(migrated)) Object.assign(e, { manager: "kubectl", operation: "Apply" });
    expect(owner(migrated, "kubectl")!["f:metadata"]["f:labels"]["."]).toEqual({});
    const out = applyOk(migrated, config({ replicas: 2 }), "kubectl", false, T2);
    expect(out.metadata.labels).toEqual({ app: "web" });
    expect(out.spec.template.metadata.labels).toEqual({ app: "web" });
    expect(out.metadata.annotations).toBeUndefined();
    expect(out.spec.template.spec.containers[0].image).toBe("nginx:1.27");
  });

  it("treats fields of an object without managedFields as owned by before-first-apply", () => {
    const legacy = sampleDeployment();
    const r = apply(legacy, config({ replicas: 9 }), "kubectl");
    expect(r.conflicts).toEqual([{ manager: "before-first-apply", operation: "Update", apiVersion: "apps/v1", field: ".spec.replicas" }]);
  });

  it("ignores managedFields inside the applied configuration and never owns name or namespace", () => {
    const cfg = config({ replicas: 1 });
    cfg.metadata.managedFields = [{ manager: "forged" }];
    const obj = applyOk(undefined, cfg);
    expect(managers(obj)).toEqual(["kubectl/Apply"]);
    expect(owner(obj, "kubectl")!["f:metadata"]["f:name"]).toBeUndefined();
  });

  it("applies with the real Deployment schema of api/", () => {
    const first = serverSideApply({ live: undefined, applied: config({ replicas: 2, sidecar: true }), manager: "kubectl", force: false, schema: deployments.jsonSchema, now: T1 });
    expect(first.conflicts).toEqual([]);
    const containers = (first.object.metadata as Obj).managedFields[0].fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"];
    expect(Object.keys(containers)).toEqual(['k:{"name":"api"}', 'k:{"name":"sidecar"}']);
    expect(Object.keys(containers['k:{"name":"api"}']["f:ports"])).toEqual(['k:{"containerPort":80,"protocol":"TCP"}']);
    // The server defaults protocol after the apply; the next apply still finds the same port.
    const stored = structuredClone(first.object) as Obj;
    for (const c of stored.spec.template.spec.containers) for (const p of c.ports ?? []) p.protocol = "TCP";
    const second = serverSideApply({ live: stored, applied: config({ replicas: 2 }), manager: "kubectl", force: false, schema: deployments.jsonSchema, now: T2 });
    expect(second.conflicts).toEqual([]);
    const spec = (second.object.spec as Obj).template.spec;
    expect(spec.containers.map((c: Obj) => c.name)).toEqual(["api"]);
    expect(spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
  });
});
