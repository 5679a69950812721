import { describe, expect, it } from "vitest";
import { readManifests, type Snapshot, type SnapshotEntry } from "./manifests";

/** An in-memory tree: strings are files, { link } entries are symlinks. */
function tree(files: Record<string, string | { link: string }>): Snapshot {
  const entries: SnapshotEntry[] = Object.entries(files).map(([path, v]) =>
    typeof v === "string" ? { path, type: "file", size: Buffer.byteLength(v) } : { path, type: "symlink", size: v.link.length },
  );
  return {
    entries,
    read: async (paths) => new Map(paths.map((p) => { const v = files[p]!; return [p, Buffer.from(typeof v === "string" ? v : v.link)]; })),
  };
}

const cm = (name: string, extra = "") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

describe("reading manifests from a snapshot", () => {
  it("reads every document of every YAML and JSON file with its file and line", async () => {
    const { manifests, errors } = await readManifests(
      tree({
        "apps/a.yaml": `# comment\n${cm("one")}---\n${cm("two")}`,
        "apps/b.json": JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "three" } }),
        "README.md": "not a manifest",
      }),
    );
    expect(errors).toEqual([]);
    expect(manifests.map((m) => [m.file, m.line, m.document, m.object.metadata.name])).toEqual([
      ["apps/a.yaml", 2, 0, "one"],
      ["apps/a.yaml", 7, 1, "two"],
      ["apps/b.json", 1, 0, "three"],
    ]);
  });

  it("skips empty documents and expands a List", async () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- ${cm("x").replace(/\n/g, "\n  ")}\n- ${cm("y").replace(/\n/g, "\n  ")}`;
    const { manifests, errors } = await readManifests(tree({ "a.yaml": `---\n---\n${list}\n---\n` }));
    expect(errors).toEqual([]);
    expect(manifests.map((m) => m.object.metadata.name)).toEqual(["x", "y"]);
  });

  it("reports every broken document with file and line, not just the first", async () => {
    const { manifests, errors } = await readManifests(
      tree({
        "a.yaml": `${cm("ok")}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n`,
        "b.yaml": `kind: ConfigMap\nmetadata:\n  name: noversion\n`,
        "c.json": `{\n  "apiVersion": "v1",\n  "kind": }\n`,
        "d.yaml": `- just\n- a list\n`,
      }),
    );
    expect(manifests.map((m) => m.object.metadata.name)).toEqual(["ok"]);
    const where = errors.map((e) => `${e.file}:${e.line}:${e.reason}`);
    expect(where).toContain("b.yaml:1:InvalidDocument");
    expect(where).toContain("c.json:3:JSONParseError");
    expect(where).toContain("d.yaml:1:InvalidDocument");
    expect(errors.find((e) => e.file === "a.yaml")).toMatchObject({ reason: "YAMLParseError", document: 1 });
    expect(errors.find((e) => e.file === "a.yaml")!.line).toBeGreaterThanOrEqual(6);
    expect(errors.find((e) => e.file === "b.yaml")!.message).toBe("document has no apiVersion");
  });

  it("refuses YAML alias bombs, oversized files and symlinks that leave the repository", async () => {
    const bomb = ["a: &a [x,x,x,x,x,x,x,x,x,x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill("*" + String.fromCharCode(97 + i)).join(",")}]`)].join("\n");
    const { manifests, errors } = await readManifests(
      tree({
        "bomb.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  ${bomb.replace(/\n/g, "\n  ")}\n`,
        "big.yaml": cm("big", `data:\n  x: "${"a".repeat(2048)}"\n`),
        "escape.yaml": { link: "../../etc/passwd" },
        "abs.yaml": { link: "/etc/hosts" },
        "inside.yaml": { link: "real/c.yaml" },
        "real/c.yaml": cm("linked"),
      }),
      { maxFileBytes: 1024, paths: ["/"] },
    );
    const reasons = Object.fromEntries(errors.map((e) => [e.file, e.reason]));
    expect(reasons).toMatchObject({
      "bomb.yaml": "YAMLParseError",
      "big.yaml": "FileTooLarge",
      "escape.yaml": "SymlinkOutsideRepository",
      "abs.yaml": "SymlinkOutsideRepository",
      "inside.yaml": "DuplicateObject",
    });
    expect(manifests.map((m) => m.object.metadata.name).sort()).toEqual(["linked", "linked"]);
  });

  it("reads only the selected paths and reports paths that do not exist or leave the repository", async () => {
    const snap = tree({ "apps/a.yaml": cm("a"), "other/b.yaml": cm("b") });
    expect((await readManifests(snap, { paths: ["./apps"] })).manifests.map((m) => m.object.metadata.name)).toEqual(["a"]);
    const { errors } = await readManifests(snap, { paths: ["missing", "../up"] });
    expect(errors.map((e) => e.reason)).toEqual(["PathNotFound", "InvalidPath"]);
  });

  it("finds the same object defined twice across files, using the namespace it lands in", async () => {
    const { errors } = await readManifests(
      tree({ "a.yaml": cm("same"), "b.yaml": cm("same", "  namespace: default\n") }),
      { namespaceOf: (o) => o.metadata.namespace ?? "default" },
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: "b.yaml", line: 1, reason: "DuplicateObject", message: "ConfigMap default/same is also defined in a.yaml:1" });
  });
});
