// Errors in a kustomization: git-sync names the file and the line, renders nothing, and agrees
// with the real `kubectl kustomize` that the tree is broken.
import { afterAll, describe, expect, it } from "vitest";
import { renderKustomization } from "../controlplane/gitsync/kustomize";
import { dirSnapshot, kubectlKustomize, removeTree, writeTree } from "./fixtures/kustomize/compare";

const roots: string[] = [];
afterAll(() => roots.forEach(removeTree));

const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: y}\n";

async function broken(files: Record<string, string>, dir = "") {
  const root = writeTree(files);
  roots.push(root);
  const theirs = await kubectlKustomize(dir ? `${root}/${dir}` : root);
  expect(theirs.error, "kubectl kustomize refuses this tree too").toBeDefined();
  const ours = await renderKustomization(dirSnapshot(root), dir);
  expect(ours.manifests).toEqual([]);
  return ours.errors;
}

describe("kustomize errors carry file and line", () => {
  it("an unknown field", async () => {
    expect(await broken({ "kustomization.yaml": "resources: [a.yaml]\nnamePrefx: x-\n", "a.yaml": cm })).toEqual([
      { file: "kustomization.yaml", line: 2, reason: "UnknownKustomizeField", message: 'unknown field "namePrefx" in the kustomization' },
    ]);
  });

  it("a missing resource file, at the line of its entry, in a nested kustomization", async () => {
    expect(await broken({ "ov/kustomization.yaml": "resources:\n- ../base\n", "base/kustomization.yaml": "resources:\n- a.yaml\n- missing.yaml\n", "base/a.yaml": cm }, "ov")).toEqual([
      expect.objectContaining({ file: "base/kustomization.yaml", line: 3, reason: "FileNotFound" }),
    ]);
  });

  it("a strategic merge patch naming an object that does not exist", async () => {
    const errors = await broken({ "kustomization.yaml": "resources: [a.yaml]\npatches:\n- path: p.yaml\n", "a.yaml": cm, "p.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nope}\ndata: {x: z}\n" });
    expect(errors).toEqual([expect.objectContaining({ file: "p.yaml", reason: "PatchTargetNotFound", message: "no ConfigMap named nope to patch" })]);
  });

  it("a patch target with a bad regular expression", async () => {
    const errors = await broken({ "kustomization.yaml": "resources: [a.yaml]\npatches:\n- target:\n    name: 'a(('\n  patch: '[{op: remove, path: /data}]'\n", "a.yaml": cm });
    expect(errors).toEqual([expect.objectContaining({ file: "kustomization.yaml", line: 4, reason: "InvalidPatchTarget" })]);
  });

  it("YAML errors in a resource file and in the kustomization", async () => {
    expect(await broken({ "kustomization.yaml": "resources: [a.yaml]\n", "a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  bad: [\n" })).toEqual([
      expect.objectContaining({ file: "a.yaml", reason: "YAMLParseError" }),
    ]);
    expect(await broken({ "kustomization.yaml": "resources:\n- a.yaml\nnamespace: a: b\n", "a.yaml": cm })).toEqual([
      expect.objectContaining({ file: "kustomization.yaml", line: 3, reason: "KustomizationParseError" }),
    ]);
  });

  it("a helm chart is refused, saying Helm is not rendered", async () => {
    const root = writeTree({ "kustomization.yaml": "helmCharts:\n- name: x\n  repo: https://example.invalid\n" });
    roots.push(root);
    const ours = await renderKustomization(dirSnapshot(root), "");
    expect(ours.errors).toEqual([expect.objectContaining({ file: "kustomization.yaml", line: 1, reason: "UnsupportedKustomizeField", message: expect.stringContaining("Helm") })]);
  });

  it("a cycle between kustomizations", async () => {
    const errors = await broken({ "a/kustomization.yaml": "resources: [../b]\n", "b/kustomization.yaml": "resources: [../a]\n" }, "a");
    expect(errors).toEqual([expect.objectContaining({ file: "b/kustomization.yaml", line: 1, reason: "KustomizationCycle" })]);
  });
});

describe("kustomize refuses what kubectl refuses, and bounds its work", () => {
  it("the same object from two directories", async () => {
    const errors = await broken({ "kustomization.yaml": "resources:\n- a\n- b\n", "a/kustomization.yaml": "resources: [cm.yaml]\n", "a/cm.yaml": cm, "b/kustomization.yaml": "resources: [cm.yaml]\n", "b/cm.yaml": cm });
    expect(errors).toEqual([expect.objectContaining({ file: "kustomization.yaml", line: 3, reason: "DuplicateObject", message: "ConfigMap a is already defined in a/cm.yaml:1" })]);
  });

  it("a generator creating a name that already exists", async () => {
    const errors = await broken({ "kustomization.yaml": "resources: [a.yaml]\nconfigMapGenerator:\n- name: a\n  literals: [x=1]\n", "a.yaml": cm });
    expect(errors).toEqual([expect.objectContaining({ file: "kustomization.yaml", line: 3, reason: "InvalidGenerator" })]);
  });

  it("a diamond of bases nested deep stops at a bound instead of growing exponentially", async () => {
    const files: Record<string, string> = { "l0/kustomization.yaml": "resources: [cm.yaml]\n", "l0/cm.yaml": cm };
    for (let i = 1; i <= 12; i++) {
      files[`m${i}/kustomization.yaml`] = `resources: [../l${i - 1}]\nnameSuffix: -m${i}\n`;
      files[`l${i}/kustomization.yaml`] = `resources: [../l${i - 1}, ../m${i}]\nnamePrefix: p${i}-\n`;
    }
    const root = writeTree(files);
    roots.push(root);
    const ours = await renderKustomization(dirSnapshot(root), "l12");
    expect(ours.errors).toEqual([expect.objectContaining({ reason: "TooManyKustomizations" })]);
  });
});

describe("kustomize refuses unknown fields inside entries, as kubectl does", () => {
  it.each([
    ["images", "images:\n- name: x\n  newTg: y\n", 4],
    ["patches", "patches:\n- targt: {kind: ConfigMap}\n  patch: '[]'\n", 3],
    ["configMapGenerator", "configMapGenerator:\n- name: g\n  literal: [a=b]\n", 4],
    ["generator options", "configMapGenerator:\n- name: g\n  literals: [a=b]\n  options: {disableHash: true}\n", 5],
    ["replicas", "replicas:\n- name: a\n  count: 2\n  max: 3\n", 5],
  ])("%s", async (_, body, line) => {
    const errors = await broken({ "kustomization.yaml": `resources: [a.yaml]\n${body}`, "a.yaml": cm });
    expect(errors).toEqual([expect.objectContaining({ file: "kustomization.yaml", line, reason: "UnknownKustomizeField" })]);
  });
});

describe("kustomize reads its kustomization as YAML 1.1, as kubectl does", () => {
  it("an unquoted yes where a string belongs is refused at its line", async () => {
    expect(await broken({ "kustomization.yaml": "resources: [a.yaml]\nnamePrefix: yes\n", "a.yaml": cm })).toEqual([
      expect.objectContaining({ file: "kustomization.yaml", line: 2, reason: "InvalidKustomization", message: expect.stringContaining("namePrefix must be a string, not a boolean") }),
    ]);
    expect(await broken({ "kustomization.yaml": "resources: [a.yaml]\nimages:\n- {name: a, newTag: 2}\n", "a.yaml": cm })).toEqual([
      expect.objectContaining({ file: "kustomization.yaml", line: 3, message: "images[0].newTag must be a string, not a number (quote it)" }),
    ]);
  });
});
