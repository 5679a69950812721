import { describe, expect, it } from "vitest";
import { PatchError } from "./errors";
import { applyJsonPatch } from "./json-patch";
import { sampleDeployment } from "./testdata";

describe("applyJsonPatch", () => {
  it("replaces the pod template and annotations the way `kubectl rollout undo` does", () => {
    const d = sampleDeployment();
    const oldTemplate = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "api", image: "nginx:1.26" }] } };
    const out = applyJsonPatch(d, [
      { op: "replace", path: "/spec/template", value: oldTemplate },
      { op: "replace", path: "/metadata/annotations", value: { "deployment.kubernetes.io/revision": "1" } },
    ]);
    expect(out.spec.template).toEqual(oldTemplate);
    expect(out.metadata.annotations).toEqual({ "deployment.kubernetes.io/revision": "1" });
    expect(d.spec.template.spec.containers[0].image).toBe("nginx:1.27");
  });

  it("adds, removes, moves and copies by JSON pointer, with ~1 for slashes", () => {
    const out = applyJsonPatch(sampleDeployment(), [
      { op: "add", path: "/metadata/labels/app.kubernetes.io~1name", value: "web" },
      { op: "remove", path: "/metadata/annotations/note" },
      { op: "add", path: "/spec/template/spec/containers/-", value: { name: "third", image: "x" } },
      { op: "copy", from: "/spec/replicas", path: "/status" },
      { op: "move", from: "/metadata/annotations/team", path: "/metadata/labels/team" },
    ]);
    expect(out.metadata.labels).toEqual({ app: "web", "app.kubernetes.io/name": "web", team: "a" });
    expect(out.metadata.annotations).toEqual({});
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(["api", "sidecar", "third"]);
    expect((out as Record<string, unknown>).status).toBe(2);
  });

  it("rejects the whole patch with 422 when a test operation fails, changing nothing", () => {
    const d = sampleDeployment();
    const run = () => applyJsonPatch(d, [
      { op: "replace", path: "/spec/replicas", value: 9 },
      { op: "test", path: "/spec/replicas", value: 3 },
    ]);
    expect(run).toThrow(PatchError);
    try {
      run();
    } catch (e) {
      expect((e as PatchError).code).toBe(422);
      expect((e as PatchError).message).toContain("/spec/replicas");
    }
    expect(d.spec.replicas).toBe(2);
  });

  it("passes a test operation that matches", () => {
    const out = applyJsonPatch(sampleDeployment(), [
      { op: "test", path: "/spec/replicas", value: 2 },
      { op: "replace", path: "/spec/replicas", value: 5 },
    ]);
    expect(out.spec.replicas).toBe(5);
  });

  it("answers 422 for a path that does not exist in the object", () => {
    expect(() => applyJsonPatch(sampleDeployment(), [{ op: "replace", path: "/spec/paused", value: true }])).toThrow(
      expect.objectContaining({ code: 422 }),
    );
    expect(() => applyJsonPatch(sampleDeployment(), [{ op: "remove", path: "/spec/nope/deeper" }])).toThrow(
      expect.objectContaining({ code: 422 }),
    );
  });

  it("answers 400 for malformed operations", () => {
    const bad: unknown[] = [
      { op: "frobnicate", path: "/spec" },
      { op: "add", path: "spec/replicas", value: 1 },
      { op: "add", path: "/spec/replicas" },
      { op: "move", path: "/spec/replicas" },
      "not an object",
    ];
    for (const op of bad) {
      expect(() => applyJsonPatch(sampleDeployment(), [op]), JSON.stringify(op)).toThrow(expect.objectContaining({ code: 400 }));
    }
    expect(() => applyJsonPatch(sampleDeployment(), { op: "add" })).toThrow(expect.objectContaining({ code: 400 }));
  });
});
