// What git-sync owns: what it created. An existing object is taken over only with the adopt
// annotation; a Namespace is pruned only when git-sync created it, and kube-system, kube-public,
// kube-node-lease and default never (issue 10's reproduction: a commit listing kube-system and a
// later one dropping it deleted kube-system).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitRepository } from "../api/gitops";
import { RestClient, type ApiClient, configmaps, gitrepositories, isNotFound, namespaces } from "../client";
import { startGitSync, type GitSync } from "../controlplane/gitsync";
import { createTestRepo, type TestRepo } from "./fixtures/git";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    team: x\n`;
const cm = (name: string, v = "1") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;
type Meta = { metadata: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string } };

let server: TestServer;
let client: ApiClient;
let sync: GitSync;
let cacheDir: string;
const repos: TestRepo[] = [];

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "gitsync"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  cacheDir = mkdtempSync(join(tmpdir(), "gitsync-owner-"));
  sync = startGitSync({ client, cacheDir, healthPollMs: 60_000 });
}, 60_000);

afterAll(async () => {
  await sync?.stop();
  await server?.stop();
  for (const r of repos) r.cleanup();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

async function newRepository(name: string, files: Record<string, string>): Promise<{ repo: TestRepo; sha: string }> {
  const repo = await createTestRepo();
  repos.push(repo);
  const sha = await repo.commit(files);
  await client.create(gitrepositories, "default", {
    apiVersion: "gitops.kubelab.io/v1alpha1",
    kind: "GitRepository",
    metadata: { name, namespace: "default" },
    spec: { url: repo.url, branch: "main", interval: "1h" },
  });
  return { repo, sha };
}
const get = (name: string) => client.get<GitRepository>(gitrepositories, "default", name);
const ready = (r: GitRepository) => r.status?.conditions?.find((c) => c.type === "Ready");
const attempted = (name: string, sha: string) =>
  eventually(async () => {
    const r = await get(name);
    return r.status?.lastAttemptedRevision?.endsWith(sha) && r.status.conditions?.find((c) => c.type === "Reconciling")?.status === "False" ? r : undefined;
  }, 20_000, `${name} to try ${sha.slice(0, 8)}`);
const gone = async (res: typeof namespaces, namespace: string | undefined, name: string) => {
  try {
    return Boolean((await client.get<Meta>(res, namespace, name)).metadata.deletionTimestamp);
  } catch (err) {
    return isNotFound(err);
  }
};

describe("git-sync ownership", () => {
  it("refuses to take over kube-system, and a commit dropping it again deletes nothing", async () => {
    const { repo, sha } = await newRepository("takeover", { "ns.yaml": ns("kube-system"), "cm.yaml": cm("takeover-cm") });
    const r = await attempted("takeover", sha);
    expect(ready(r)).toMatchObject({ status: "False", reason: "ValidationFailed" });
    expect(r.status?.errors?.[0]).toMatchObject({ file: "ns.yaml", reason: "AdoptionRefused", kind: "Namespace", name: "kube-system" });
    expect(r.status?.errors?.[0]?.message).toContain("gitops.kubelab.io/adopt=true");
    await expect(client.get(configmaps, "default", "takeover-cm")).rejects.toSatisfy(isNotFound);
    expect((await client.get<Meta>(namespaces, undefined, "kube-system")).metadata.labels?.["gitops.kubelab.io/source"]).toBeUndefined();

    const dropped = await repo.commit({ "ns.yaml": null }, "drop kube-system");
    sync.trigger("default", "takeover");
    const ok = await attempted("takeover", dropped);
    expect(ready(ok)?.status).toBe("True");
    expect((await client.get<Meta>(namespaces, undefined, "kube-system")).metadata.deletionTimestamp).toBeUndefined();
  });

  it("adopts objects annotated gitops.kubelab.io/adopt, and prunes only the namespaces it created", async () => {
    await client.create(namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "shared" } });
    await client.create(configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "legacy", annotations: { "gitops.kubelab.io/adopt": "true" } }, data: { v: "0" } });
    for (const name of ["shared", "kube-system"]) await client.patch(namespaces, undefined, name, { metadata: { annotations: { "gitops.kubelab.io/adopt": "true" } } }, "merge");
    const { repo, sha } = await newRepository("adopter", { "a.yaml": ns("shared"), "b.yaml": ns("kube-system"), "c.yaml": ns("team-own"), "d.yaml": cm("legacy") });
    const r = await attempted("adopter", sha);
    expect(ready(r)?.status).toBe("True");
    for (const name of ["shared", "kube-system", "team-own"]) {
      expect((await client.get<Meta>(namespaces, undefined, name)).metadata.labels).toMatchObject({ team: "x", "gitops.kubelab.io/source": "default.adopter" });
    }
    expect((await client.get<Meta>(namespaces, undefined, "team-own")).metadata.annotations?.["gitops.kubelab.io/created-by"]).toBe("default.adopter");
    expect((await client.get<Meta>(namespaces, undefined, "shared")).metadata.annotations?.["gitops.kubelab.io/created-by"]).toBeUndefined();
    expect((await client.get<{ data: { v: string } } & Meta>(configmaps, "default", "legacy")).data.v).toBe("1");

    const dropped = await repo.commit({ "a.yaml": null, "b.yaml": null, "c.yaml": null, "d.yaml": null, "e.yaml": cm("adopter-keep") }, "drop them all");
    sync.trigger("default", "adopter");
    const after = await attempted("adopter", dropped);
    expect(ready(after)?.status).toBe("True");
    await eventually(() => gone(namespaces, undefined, "team-own"), 10_000, "team-own pruned");
    await eventually(() => gone(configmaps, "default", "legacy"), 10_000, "the adopted ConfigMap pruned");
    for (const name of ["shared", "kube-system"]) expect((await client.get<Meta>(namespaces, undefined, name)).metadata.deletionTimestamp).toBeUndefined();
    expect(after.status?.inventory?.map((e) => e.name)).toEqual(["adopter-keep"]);
  });
});
