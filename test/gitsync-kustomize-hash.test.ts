// kustomize's content hash, property-tested against the real `kubectl kustomize`: any text in a
// generated ConfigMap or Secret (control characters, HTML characters, any Unicode) gives the same
// name suffix, because git-sync's encoding is byte for byte Go's json.Marshal.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { renderKustomization } from "../controlplane/gitsync/kustomize";
import { byKey, dirSnapshot, kubectlKustomize, removeTree, writeTree } from "./fixtures/kustomize/compare";

const roots: string[] = [];
afterAll(() => roots.forEach(removeTree));

// kubectl kustomize computes the name but cannot print the object when a value holds DEL, a C1
// control other than NEL, U+FFFE or U+FFFF: its YAML printer fails with "control characters are
// not allowed". The property compares whole objects only for text kubectl can print; the test
// below compares the names for the rest, which kubectl's error still carries.
const UNPRINTABLE = /[\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

describe("generated names", () => {
  it("have kubectl's hash suffix for any file content", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 40 }).filter((t) => !UNPRINTABLE.test(t)), fc.string({ unit: "grapheme-ascii", maxLength: 20 }), async (text, other) => {
        const root = writeTree({
          "v.txt": text,
          "w.txt": other,
          "kustomization.yaml": "configMapGenerator:\n- name: c\n  files: [v.txt, w.txt]\nsecretGenerator:\n- name: s\n  files: [v.txt]\n  type: example.com/x\n",
        });
        roots.push(root);
        const ours = await renderKustomization(dirSnapshot(root), "");
        const theirs = await kubectlKustomize(root);
        expect(theirs.error).toBeUndefined();
        expect(ours.errors).toEqual([]);
        expect(byKey(ours.manifests.map((m) => m.object))).toEqual(byKey(theirs.objects));
      }),
      { numRuns: 50 },
    );
  }, 60_000);

  it.each(["\u007f", "a\u0080b", "\u0084", "\u0086", "\u009f", "x\ufffe", "\uffff"])("have kubectl's hash suffix for text its printer refuses (%j)", async (text) => {
    const root = writeTree({ "v.txt": text, "kustomization.yaml": "configMapGenerator:\n- name: c\n  files: [v.txt]\n" });
    roots.push(root);
    const theirs = await kubectlKustomize(root);
    expect(theirs.error).toContain("control characters are not allowed");
    const ours = await renderKustomization(dirSnapshot(root), "");
    expect(ours.errors).toEqual([]);
    const name = (ours.manifests[0]!.object as { metadata: { name: string } }).metadata.name;
    expect(name).toMatch(/^c-[a-z0-9]{10}$/);
    expect(theirs.error).toContain(`\\"name\\":\\"${name}\\"`);
    expect(ours.manifests[0]!.object).toMatchObject({ data: { "v.txt": text } });
  });

  it("put bytes that are not UTF-8 in binaryData, with kubectl's hash", async () => {
    const root = writeTree({ "kustomization.yaml": "configMapGenerator:\n- name: bin\n  files: [b.bin]\n  literals: [text=ok]\n" });
    roots.push(root);
    (await import("node:fs")).writeFileSync(`${root}/b.bin`, Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]));
    const ours = await renderKustomization(dirSnapshot(root), "");
    expect(ours.errors).toEqual([]);
    expect(byKey(ours.manifests.map((m) => m.object))).toEqual(byKey((await kubectlKustomize(root)).objects));
    expect(ours.manifests[0]!.object).toMatchObject({ binaryData: { "b.bin": "//4AQcM=" }, data: { text: "ok" } });
  });
});
