import { describe, expect, it } from "vitest";
import { daemonSetPrinters, daemonsets, type DaemonSet } from "./apps-daemonset";
import { findByKind } from "./index";

const ds = (spec: Record<string, unknown> = {}, labels: Record<string, string> = { app: "agent" }) => ({
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "agent", namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "kubelab/busybox:1.36" }] } }, ...spec },
});
const fields = (r: { errors: Array<{ field?: string; message: string }> }) => r.errors.map((e) => `${e.field}: ${e.message}`);

describe("apps/v1 DaemonSet", () => {
  it("is served as apps/v1 DaemonSet (ds) and gets Kubernetes 1.32's defaults", () => {
    expect(findByKind("apps/v1", "DaemonSet")?.plural).toBe("daemonsets");
    expect(daemonsets.shortNames).toEqual(["ds"]);
    const r = daemonsets.validate(ds(), "Strict");
    expect(fields(r)).toEqual([]);
    const d = r.object as DaemonSet;
    expect(d.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.template.spec?.restartPolicy).toBe("Always");
  });

  it("OnDelete gets no rollingUpdate", () => {
    const d = daemonsets.validate(ds({ updateStrategy: { type: "OnDelete" } }), "Strict").object as DaemonSet;
    expect(d.spec.updateStrategy).toEqual({ type: "OnDelete" });
  });

  it("refuses a selector that does not match the template's labels, at the labels' field", () => {
    expect(fields(daemonsets.validate(ds({}, { app: "other" }), "Strict"))).toEqual(["spec.template.metadata.labels: Invalid value: {\"app\":\"other\"}: `selector` does not match template `labels`"]);
  });

  it("rejects a bad strategy, both rolling numbers zero and a percentage over 100 with their field paths", () => {
    expect(fields(daemonsets.validate(ds({ updateStrategy: { type: "Recreate" } }), "Strict"))[0]).toMatch(/^spec.updateStrategy.type: Unsupported value: "Recreate"/);
    expect(fields(daemonsets.validate(ds({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }), "Strict"))).toEqual([
      "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0",
    ]);
    expect(fields(daemonsets.validate(ds({ updateStrategy: { rollingUpdate: { maxUnavailable: "150%" } } }), "Strict"))[0]).toMatch(/^spec.updateStrategy.rollingUpdate.maxUnavailable: .*must not be greater than 100%/);
    expect(fields(daemonsets.validate(ds({ minReadySeconds: -1 }), "Strict"))[0]).toMatch(/^spec.minReadySeconds: /);
  });

  it("prints kubectl get ds's columns", () => {
    const p = daemonSetPrinters.daemonsets!;
    expect(p.columns.filter((c) => c.priority === 0).map((c) => c.name.toUpperCase())).toEqual(["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"]);
    const obj = { ...ds(), spec: { ...ds().spec, template: { ...ds().spec.template, spec: { ...ds().spec.template.spec, nodeSelector: { role: "edge" } } } }, status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1, numberMisscheduled: 0 } };
    expect(p.cells(obj as never, new Date("2026-01-01T00:05:00Z")).slice(0, 8)).toEqual(["agent", 2, 2, 1, 2, 1, "role=edge", "5m"]);
  });
});
