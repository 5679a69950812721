// Any value in any kustomization field gives a clear error with the file (or a render), never an
// internal failure: fast-check puts arbitrary JSON into each field kustomize knows.
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { renderKustomization } from "../controlplane/gitsync/kustomize";
import type { Snapshot } from "../controlplane/gitsync/manifests";

const FIELDS = ["resources", "components", "namespace", "namePrefix", "nameSuffix", "commonLabels", "labels", "commonAnnotations", "images", "replicas", "patches", "patchesStrategicMerge", "patchesJson6902", "configMapGenerator", "secretGenerator", "generatorOptions", "bases", "kind"];

const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: x, envFrom: [{configMapRef: {name: g}}]}]\n";

function snapshot(files: Record<string, string>): Snapshot {
  return {
    entries: Object.entries(files).map(([path, text]) => ({ path, type: "file" as const, size: Buffer.byteLength(text) })),
    read: async (paths) => new Map(paths.filter((p) => p in files).map((p) => [p, Buffer.from(files[p]!)])),
  };
}

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom("d.yaml", "sub", "../x", "github.com/a/b", "p.yaml"),
  fc.array(fc.record({ name: fc.constantFrom("g", "web", 1), literals: fc.oneof(fc.constant(["a=b"]), fc.jsonValue()), behavior: fc.constantFrom("create", "merge", "x"), path: fc.constantFrom("p.yaml", "d.yaml", 3), target: fc.jsonValue({ maxDepth: 2 }), patch: fc.oneof(fc.string(), fc.constant("[{op: add, path: /x, value: 1}]")) }, { requiredKeys: [] }), { maxLength: 3 }),
);

describe("kustomization fuzz", () => {
  it("never fails internally", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 }), async (body) => {
        const files = { "kustomization.yaml": stringify(body), "d.yaml": deployment, "p.yaml": "- {op: replace, path: /metadata/name, value: z}\n", "sub/kustomization.yaml": "resources: [../d.yaml]\n" };
        const out = await renderKustomization(snapshot(files), "");
        for (const e of out.errors) {
          expect(e.reason).not.toBe("KustomizeFailed");
          expect(e.file).toBeTruthy();
        }
        if (out.errors.length === 0) for (const m of out.manifests) expect(typeof m.object.metadata.name).toBe("string");
      }),
      { numRuns: 400 },
    );
  }, 60_000);
});
