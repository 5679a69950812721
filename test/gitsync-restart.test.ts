// A sync cut off mid-apply (the API server killed with SIGKILL, or git-sync itself stopped)
// ends, after restarts, in the same state as an uninterrupted run: every object applied once,
// the inventory exactly the revision's objects, nothing pruned that should stay.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitRepository } from "../api/gitops";
import { RestClient, type ApiClient, configmaps, gitrepositories } from "../client";
import { startGitSync, type GitSync } from "../controlplane/gitsync";
import { createTestRepo, type TestRepo } from "./fixtures/git";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const N = 400;
const manifests = (prefix: string, v: string) =>
  Object.fromEntries(Array.from({ length: N }, (_, i) => [`cms/${prefix}-${i}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${i}\ndata:\n  v: "${v}"\n`]));

let server: TestServer;
let client: ApiClient;
let repo: TestRepo;
let cacheDir: string;
const running: GitSync[] = [];

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  repo = await createTestRepo();
  cacheDir = mkdtempSync(join(tmpdir(), "gitsync-restart-"));
}, 60_000);

afterAll(async () => {
  for (const s of running) await s.stop();
  await server?.stop();
  repo?.cleanup();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

const start = () => {
  const s = startGitSync({ client, cacheDir, healthPollMs: 60_000, workers: 1 });
  running.push(s);
  return s;
};
const ours = async (prefix: string) =>
  (await client.listAll<{ metadata: { name?: string; labels?: Record<string, string> }; data?: { v?: string } }>(configmaps, "default", { labelSelector: "gitops.kubelab.io/source=default.restart" })).items.filter((c) =>
    c.metadata.name!.startsWith(prefix),
  );

/** Polls often: the kill must land while the apply is still running (errors: the server may be restarting). */
const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> =>
  eventually(fn, { timeoutMs, intervalMs: 25, what }) as Promise<T>;

async function expectConverged(sha: string, names: string[], v: Record<string, string>) {
  const r = await waitFor("applied", async () => {
    const g = await client.get<GitRepository>(gitrepositories, "default", "restart");
    return g.status?.lastAppliedRevision === `main@sha1:${sha}` && g.status.conditions?.find((c) => c.type === "Reconciling")?.status === "False" ? g : undefined;
  });
  expect(r.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True" });
  expect(r.status?.inventory?.map((e) => e.name).sort()).toEqual([...names].sort());
  const live = await ours("");
  expect(live.map((c) => c.metadata.name).sort()).toEqual([...names].sort());
  for (const c of live) expect(c.data?.v).toBe(v[c.metadata.name!.split("-")[0]!]);
}

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);

describe("git-sync interrupted mid-apply", () => {
  it("converges after the API server is killed in the middle of applying a revision", async () => {
    const sha = await repo.commit(manifests("first", "1"));
    const sync = start();
    await client.create(gitrepositories, "default", {
      apiVersion: "gitops.kubelab.io/v1alpha1",
      kind: "GitRepository",
      metadata: { name: "restart", namespace: "default" },
      spec: { url: repo.url, branch: "main", interval: "1h" },
    });
    await waitFor("part of the revision applied", async () => (await ours("first")).length >= 20);
    await server.kill("SIGKILL");
    const applied = (await (async () => {
      await server.restart();
      return ours("first");
    })()).length;
    expect(applied).toBeLessThan(N); // it really was cut off mid-apply
    sync.trigger("default", "restart");
    await expectConverged(sha, range("first", 0, N), { first: "1" });
  });

  it("converges when git-sync itself stops mid-apply and a new one takes over, pruning what the revision dropped", async () => {
    const dropped = Object.fromEntries(range("first", 300, N).map((n) => [`cms/${n}.yaml`, null]));
    const sha = await repo.commit({ ...dropped, ...manifests("extra", "2") }, "drop 100, add 400");
    running[0]!.trigger("default", "restart");
    await waitFor("part of the new revision applied", async () => (await ours("extra")).length >= 20);
    await running[0]!.stop();
    expect((await ours("extra")).length).toBeLessThan(N);
    const next = start();
    next.trigger("default", "restart");
    await expectConverged(sha, [...range("first", 0, 300), ...range("extra", 0, N)], { first: "1", extra: "2" });
  });
});
