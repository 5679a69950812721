// The layout rules of docs/architecture.md, checked on the source itself: who may import whom, no
// import cycle (type-only imports count too), and the size limits that keep code readable.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const sources = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.startsWith("node_modules/"));
const isTest = (f: string) => f.endsWith(".test.ts") || f.startsWith("test/") || /\/testing(\.ts|\/)/.test(f);

/** Relative imports of a file (static, dynamic and type-only), resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => resolveImport(file, spec))
    .filter((p): p is string => p !== undefined);
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = normalize(join(dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) if (sources.includes(candidate)) return candidate;
  return undefined;
}

const graph = new Map(sources.map((f) => [f, importsOf(f)]));

/** The top-level unit a file belongs to, as docs/architecture.md names them. */
function unitOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "controlplane" && parts.length > 2) return `controlplane/${parts[1]}`;
  return parts.length > 1 ? parts[0]! : file;
}

// Who may import whom (production code; tests may also use test fixtures). A unit always may import itself.
const ALLOWED: Record<string, string[]> = {
  api: [],
  client: ["api"],
  agent: ["api", "client"],
  "controlplane/scheduler": ["api", "client"],
  "controlplane/controllers": ["api", "client"],
  "controlplane/gitsync": ["api", "client"],
  "controlplane/storage": ["api"],
  "controlplane/apiserver": ["api", "controlplane/storage"],
};

describe("architecture", () => {
  it("keeps every component to the imports docs/architecture.md allows", () => {
    const violations: string[] = [];
    for (const [file, deps] of graph) {
      const unit = unitOf(file);
      const allowed = ALLOWED[unit];
      if (!allowed) continue;
      for (const dep of deps) {
        const depUnit = unitOf(dep);
        if (depUnit === unit || allowed.includes(depUnit)) continue;
        if (isTest(file) && depUnit === "test") continue;
        violations.push(`${file} imports ${dep} (${unit} may import ${[unit, ...allowed].join(", ")})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("has no import cycle, type-only imports included", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, "open");
      stack.push(f);
      for (const dep of graph.get(f) ?? []) {
        if (state.get(dep) === "open") cycles.push([...stack.slice(stack.indexOf(dep)), dep].join(" -> "));
        else if (!state.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(f, "done");
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it("has no file over 400 lines and no function over 80 lines outside tests", () => {
    const tooBig: string[] = [];
    for (const file of sources.filter((f) => !isTest(f))) {
      const text = readFileSync(join(ROOT, file), "utf8");
      const lines = text.split("\n").length;
      if (lines > 400) tooBig.push(`${file}: ${lines} lines`);
      const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
          const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
          const end = sf.getLineAndCharacterOfPosition(node.end).line;
          if (end - start + 1 > 80) tooBig.push(`${relative(ROOT, join(ROOT, file))}:${start + 1}: a function of ${end - start + 1} lines`);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(tooBig).toEqual([]);
  });
});
