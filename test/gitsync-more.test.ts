// git-sync details against the real server: a Namespace and its objects converge in one run,
// suspend stops syncing, an empty revision's prune is blocked (and allowed by annotation),
// --gitops-repo's GitRepository, and `kubelab gitops diff`'s view of a pending revision.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitRepository } from "../api/gitops";
import { RestClient, type ApiClient, configmaps, gitrepositories, isNotFound } from "../client";
import { ensureGitRepositoryFromFlag, parseGitopsFlag, startGitSync, type GitSync } from "../controlplane/gitsync";
import { formatDiff } from "../controlplane/gitsync/cmd";
import { diffRevision } from "../controlplane/gitsync/diff";
import type { ReconcileResult } from "../controlplane/gitsync/reconcile";
import { createTestRepo, type TestRepo } from "./fixtures/git";
import { REPO_ROOT, startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const cm = (name: string, v = "1", ns?: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ""}data:\n  v: "${v}"\n`;

let server: TestServer;
let client: ApiClient;
let sync: GitSync;
let cacheDir: string;
const repos: TestRepo[] = [];
const outcomes: Array<{ key: string; outcome: ReconcileResult["outcome"] }> = [];

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "gitsync"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  cacheDir = mkdtempSync(join(tmpdir(), "gitsync-more-"));
  sync = startGitSync({ client, cacheDir, healthPollMs: 60_000, onReconciled: (key, r) => void outcomes.push({ key, outcome: r.outcome }) });
}, 60_000);

afterAll(async () => {
  await sync?.stop();
  await server?.stop();
  for (const r of repos) r.cleanup();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

async function newRepo(files: Record<string, string>): Promise<{ repo: TestRepo; sha: string }> {
  const repo = await createTestRepo();
  repos.push(repo);
  return { repo, sha: await repo.commit(files) };
}
const create = (name: string, url: string, extra: Record<string, unknown> = {}, annotations?: Record<string, string>) =>
  client.create(gitrepositories, "default", {
    apiVersion: "gitops.kubelab.io/v1alpha1",
    kind: "GitRepository",
    metadata: { name, namespace: "default", ...(annotations ? { annotations } : {}) },
    spec: { url, branch: "main", interval: "1h", ...extra },
  });
const get = (name: string) => client.get<GitRepository>(gitrepositories, "default", name);
const cond = (r: GitRepository, t: string) => r.status?.conditions?.find((c) => c.type === t);

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> => eventually(fn, timeoutMs, what) as Promise<T>;
const applied = (name: string, sha: string) =>
  waitFor(`${name} applied ${sha.slice(0, 8)}`, async () => {
    const r = await get(name);
    // Applied (its Deployments may still be rolling out: no nodes here, so it stays Reconciling).
    return r.status?.lastAppliedRevision?.endsWith(sha) ? r : undefined;
  });

describe("git-sync details", () => {
  it("creates a Namespace and the objects in it in one run", async () => {
    const { repo, sha } = await newRepo({ "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n", "team/cm.yaml": cm("in-team", "1", "team-a") });
    await create("nsfirst", repo.url);
    const r = await applied("nsfirst", sha);
    expect(cond(r, "Ready")?.status).toBe("True");
    expect(r.status?.history).toHaveLength(1);
    await client.get(configmaps, "team-a", "in-team");
  });

  it("deleting a GitRepository leaves what it applied in place and drops its git cache", async () => {
    const { repo, sha } = await newRepo({ "a.yaml": cm("orphan-a") });
    await create("orphaner", repo.url);
    await applied("orphaner", sha);
    expect(existsSync(join(cacheDir, "default", "orphaner"))).toBe(true);
    await client.delete(gitrepositories, "default", "orphaner");
    await waitFor("cache removed", async () => !existsSync(join(cacheDir, "default", "orphaner")));
    await client.get(configmaps, "default", "orphan-a");
  });

  it("stops syncing while suspended and resumes after", async () => {
    const { repo, sha } = await newRepo({ "a.yaml": cm("susp-a") });
    await create("susp", repo.url);
    await applied("susp", sha);
    await client.patch(gitrepositories, "default", "susp", { spec: { suspend: true } }, "merge");
    await waitFor("Suspended", async () => cond(await get("susp"), "Ready")?.reason === "Suspended");
    const next = await repo.commit({ "b.yaml": cm("susp-b") });
    sync.trigger("default", "susp");
    await waitFor("reconciled while suspended", async () => outcomes.filter((o) => o.key === "default/susp" && o.outcome === "Suspended").length >= 2);
    await expect(client.get(configmaps, "default", "susp-b")).rejects.toSatisfy(isNotFound);
    await client.patch(gitrepositories, "default", "susp", { spec: { suspend: false } }, "merge");
    await applied("susp", next);
    await client.get(configmaps, "default", "susp-b");
  });

  it("refuses to prune everything for an empty revision until allowed by annotation", async () => {
    const { repo, sha } = await newRepo({ "a.yaml": cm("guard-a"), "b.yaml": cm("guard-b"), "README.md": "docs" });
    await create("guard", repo.url);
    await applied("guard", sha);
    const empty = await repo.commit({ "a.yaml": null, "b.yaml": null }, "oops, everything deleted");
    sync.trigger("default", "guard");
    const r = await applied("guard", empty);
    expect(cond(r, "PruneBlocked")).toMatchObject({ status: "True", reason: "PruneBlocked" });
    expect(cond(r, "Ready")).toMatchObject({ status: "False", reason: "PruneBlocked" });
    expect(r.status?.inventory).toHaveLength(2);
    await client.get(configmaps, "default", "guard-a");

    await client.patch(gitrepositories, "default", "guard", { metadata: { annotations: { "gitops.kubelab.io/allow-mass-prune": "true" } } }, "merge");
    await waitFor("pruned", async () => (await get("guard")).status?.inventory?.length === 0);
    await expect(client.get(configmaps, "default", "guard-a")).rejects.toSatisfy(isNotFound);
    expect(cond(await get("guard"), "Ready")?.status).toBe("True");
  });

  it("creates the lab GitRepository from --gitops-repo and keeps it in line with the flag", async () => {
    expect(parseGitopsFlag("file:///srv/lab.git#main:apps")).toEqual({ url: "file:///srv/lab.git", branch: "main", path: "apps" });
    expect(parseGitopsFlag("https://example.com/x.git")).toEqual({ url: "https://example.com/x.git" });
    expect(parseGitopsFlag("ssh://git@host/x.git#dev")).toEqual({ url: "ssh://git@host/x.git", branch: "dev" });
    const { repo, sha } = await newRepo({ "apps/lab.yaml": cm("lab-cm"), "other/x.yaml": cm("not-synced") });
    const created = await ensureGitRepositoryFromFlag(client, `${repo.url}#main:apps`);
    expect(created.spec).toMatchObject({ url: repo.url, branch: "main", paths: ["apps"] });
    expect((await ensureGitRepositoryFromFlag(client, `${repo.url}#main:apps`)).metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    await applied("lab", sha);
    await client.get(configmaps, "default", "lab-cm");
    await expect(client.get(configmaps, "default", "not-synced")).rejects.toSatisfy(isNotFound);
    const moved = await ensureGitRepositoryFromFlag(client, `${repo.url}#main:other`);
    expect(moved.spec.paths).toEqual(["other"]);
  });

  it("diffs a pending revision the way the controller would apply it", async () => {
    const { repo, sha } = await newRepo({ "a.yaml": cm("diff-a"), "b.yaml": cm("diff-b"), "c.yaml": cm("diff-c") });
    await create("differ", repo.url);
    await applied("differ", sha);
    expect(await diffRevision({ client, namespace: "default", name: "differ" })).toMatchObject({ created: [], changed: [], pruned: [], unchanged: 3, errors: [] });
    await repo.commit({ "a.yaml": cm("diff-a", "2"), "b.yaml": null, "d.yaml": cm("diff-d") });
    const d = await diffRevision({ client, namespace: "default", name: "differ" });
    expect(d.created.map((c) => c.ref.name)).toEqual(["diff-d"]);
    expect(d.changed).toEqual([{ ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "diff-a" }, at: "a.yaml:1", fields: ["data.v"] }]);
    expect(d.pruned.map((p) => p.ref.name)).toEqual(["diff-b"]);
    expect(formatDiff(d)).toContain("- ConfigMap default/diff-b");
    // Nothing was written by the diff.
    expect((await client.get<{ metadata: { name?: string }; data: { v: string } }>(configmaps, "default", "diff-a")).data.v).toBe("1");
    await repo.commit({ "e.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: diff-e\ndata:\n  v: 3\n" });
    const bad = await diffRevision({ client, namespace: "default", name: "differ" });
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatchObject({ file: "e.yaml", line: 6 });
  });

  it("`kubelab gitops diff` exits 0 without changes, 1 with changes, 2 with errors", async () => {
    const { repo, sha } = await newRepo({ "a.yaml": cm("cli-a") });
    await create("cli", repo.url);
    await applied("cli", sha);
    const script = join(cacheDir, "gitops-diff.mts");
    writeFileSync(
      script,
      `import { Command } from ${JSON.stringify(join(REPO_ROOT, "node_modules/commander/esm.mjs"))};\nimport { registerGitopsCommand } from ${JSON.stringify(join(REPO_ROOT, "controlplane/gitsync/cmd.ts"))};\n` +
        `const program = new Command("kubelab");\nregisterGitopsCommand(program);\nawait program.parseAsync(process.argv);\n`,
    );
    const diff = (...args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(process.execPath, ["--import", "tsx", script, "gitops", "diff", "--kubeconfig", server.kubeconfig, "--repository", "default/cli", ...args], { cwd: REPO_ROOT }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
      });
    const none = await diff();
    expect(none.out).toContain("0 to create, 0 to change, 0 to prune, 1 unchanged");
    expect(none.code).toBe(0);
    await repo.commit({ "b.yaml": cm("cli-b") });
    const changed = await diff();
    expect(changed.code).toBe(1);
    expect(changed.out).toContain("+ ConfigMap default/cli-b (b.yaml:1)");
    const json = await diff("-o", "json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({
      revision: expect.stringMatching(/^main@sha1:[0-9a-f]{40}$/),
      created: [{ ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "cli-b" }, at: "b.yaml:1" }],
      changed: [],
      pruned: [],
      unchanged: 1,
      errors: [],
      summary: { create: 1, change: 0, prune: 0, unchanged: 1, errors: 0 },
    });
    await repo.commit({ "c.yaml": "kind: ConfigMap\n" });
    const broken = await diff();
    expect(broken.code).toBe(2);
    expect(broken.out).toContain("! c.yaml:1: document has no apiVersion, no metadata.name");
    const brokenJson = await diff("--output", "json");
    expect(brokenJson.code).toBe(2);
    expect(JSON.parse(brokenJson.out).errors[0]).toMatchObject({ file: "c.yaml", line: 1 });
    expect((await diff("--repo", `${repo.url}#nope`)).code).toBe(2);
  });
});
