// git-sync against the real API server and the real kubectl: push -> applied, edit -> changed,
// delete -> pruned (hand-made objects untouched), broken YAML -> nothing applied with file:line,
// kubectl edits restored (selfHeal) or reported (Drifted).
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitRepository } from "../api/gitops";
import { RestClient, type ApiClient, configmaps, deployments, gitrepositories, isNotFound, services } from "../client";
import { startGitSync, type GitSync } from "../controlplane/gitsync";
import { createTestRepo, type TestRepo } from "./fixtures/git";
import { kubectlFor } from "./fixtures/kubectl";
import { REPO_ROOT, startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const seed = (f: string) => readFileSync(join(REPO_ROOT, "examples/seed", f), "utf8");
const cm = (name: string, v = "1") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> => eventually(fn, timeoutMs, what) as Promise<T>;

let server: TestServer;
let client: ApiClient;
let sync: GitSync;
let cacheDir: string;
let kubectl: ReturnType<typeof kubectlFor>;
const repos: TestRepo[] = [];

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "gitsync"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  kubectl = kubectlFor(server.kubeconfig);
  cacheDir = mkdtempSync(join(tmpdir(), "gitsync-e2e-"));
  sync = startGitSync({ client, cacheDir, healthPollMs: 60_000 });
}, 60_000);

afterAll(async () => {
  await sync?.stop();
  await server?.stop();
  for (const r of repos) r.cleanup();
  rmSync(cacheDir, { recursive: true, force: true });
});

async function newRepo(): Promise<TestRepo> {
  const r = await createTestRepo();
  repos.push(r);
  return r;
}

async function createRepository(name: string, url: string, spec: Partial<GitRepository["spec"]> = {}): Promise<void> {
  await client.create(gitrepositories, "default", {
    apiVersion: "gitops.kubelab.io/v1alpha1",
    kind: "GitRepository",
    metadata: { name, namespace: "default" },
    spec: { url, branch: "main", interval: "1h", ...spec },
  });
}

const getRepo = (name: string) => client.get<GitRepository>(gitrepositories, "default", name);
const condition = (r: GitRepository, type: string) => r.status?.conditions?.find((c) => c.type === type);

/**
 * Waits until the repository reports sha as applied (the run that applied it is over; its
 * workloads may still roll out: this server has no nodes, so a Deployment keeps it Reconciling),
 * or as attempted and given up on (Reconciling=False), for rejected revisions.
 */
async function synced(name: string, sha: string, field: "lastAppliedRevision" | "lastAttemptedRevision" = "lastAppliedRevision"): Promise<GitRepository> {
  return waitFor(`${name} at ${sha.slice(0, 8)}`, async () => {
    const r = await getRepo(name);
    return r.status?.[field]?.endsWith(sha) && (field === "lastAppliedRevision" || condition(r, "Reconciling")?.status === "False") ? r : undefined;
  });
}

describe("git-sync applies what is pushed", () => {
  it("applies the seed's Deployment and Service, rolls an image edit, prunes a deleted file and leaves hand-made objects alone", async () => {
    const repo = await newRepo();
    let sha = await repo.commit({ "apps/nginx-deployment.yaml": seed("nginx-deployment.yaml"), "apps/nginx-service.yaml": seed("nginx-service.yaml"), "apps/config.yaml": cm("web-config") });
    await kubectl.ok(["create", "configmap", "handmade", "--from-literal=a=b"]);
    await createRepository("seed", repo.url);
    let r = await synced("seed", sha);
    // Applied, but no node runs its pods here: Reconciling (kstatus InProgress), not Ready yet.
    expect(condition(r, "Ready")).toMatchObject({ status: "Unknown", reason: "Progressing", message: expect.stringMatching(new RegExp(`^Applied revision: main@sha1:${sha}; waiting for: Deployment default/nginx-deployment: `)) });
    expect(condition(r, "Reconciling")).toMatchObject({ status: "True", reason: "Progressing", message: expect.stringContaining("Deployment default/nginx-deployment") });
    expect(r.status?.inventory).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "web-config" },
      { apiVersion: "v1", kind: "Service", namespace: "default", name: "nginx-service" },
      { apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "nginx-deployment" },
    ]);
    const dep = JSON.parse(await kubectl.ok(["get", "deployment", "nginx-deployment", "-o", "json", "--show-managed-fields"]));
    expect(dep.spec.template.spec.containers[0].image).toBe("kubelab/web:1");
    expect(dep.metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "kubelab-gitsync", "gitops.kubelab.io/source": "default.seed", app: "nginx" });
    expect(dep.metadata.annotations["gitops.kubelab.io/revision"]).toBe(sha);
    expect(dep.metadata.managedFields.map((m: { manager: string }) => m.manager)).toContain("kubelab-gitsync");
    expect(JSON.parse(await kubectl.ok(["get", "service", "nginx-service", "-o", "json"])).spec.type).toBe("NodePort");

    sha = await repo.commit({ "apps/nginx-deployment.yaml": seed("nginx-deployment.yaml").replace("image: kubelab/web:1", "image: kubelab/web:2") }, "roll to web:2");
    sync.trigger("default", "seed");
    await synced("seed", sha);
    const rolled = await client.get<{ spec: { template: { spec: { containers: Array<{ image: string }> } } }; metadata: { name?: string; generation?: number } }>(deployments, "default", "nginx-deployment");
    expect(rolled.spec.template.spec.containers[0]!.image).toBe("kubelab/web:2");
    expect(rolled.metadata.generation).toBe(2);

    sha = await repo.commit({ "apps/nginx-deployment.yaml": null, "apps/nginx-service.yaml": null }, "remove nginx");
    sync.trigger("default", "seed");
    r = await synced("seed", sha);
    await expect(client.get(deployments, "default", "nginx-deployment")).rejects.toSatisfy(isNotFound);
    await expect(client.get(services, "default", "nginx-service")).rejects.toSatisfy(isNotFound);
    expect(r.status?.inventory).toEqual([{ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "web-config" }]);
    // Only the ConfigMap is left, healthy as soon as it exists: Ready, no longer Reconciling.
    expect(condition(r, "Ready")).toMatchObject({ status: "True", reason: "ReconciliationSucceeded", message: `Applied revision: main@sha1:${sha}` });
    expect(condition(r, "Reconciling")?.status).toBe("False");
    expect(r.status?.history?.[0]).toMatchObject({ result: "Succeeded", pruned: 2 });
    expect(r.status?.history).toHaveLength(3);
    await client.get(configmaps, "default", "handmade");
    // Events are written a moment after what they report (off git-sync's path).
    await eventually(async () => {
      const events = await kubectl.ok(["get", "events", "--field-selector", "involvedObject.name=seed", "-o", "json"]);
      const reasons = new Set(JSON.parse(events).items.map((e: { reason: string }) => e.reason));
      return reasons.has("Applied") && reasons.has("Pruned");
    }, 20_000, "the Applied and Pruned events");
  });
});

describe("git-sync with bad commits", () => {
  it("applies nothing from a commit with one broken file, shows file and line, and recovers on the next good push", async () => {
    const repo = await newRepo();
    const good = await repo.commit({ "a.yaml": cm("keep-a"), "b.yaml": cm("keep-b") });
    await createRepository("broken", repo.url);
    await synced("broken", good);

    const badDeployment = seed("nginx-deployment.yaml").replace("replicas: 3", "replicas: three").replace("name: nginx-deployment", "name: web-bad");
    const bad = await repo.commit({
      "a.yaml": cm("keep-a", "2"),
      "c.yaml": cm("new-c"),
      "broken.yaml": `${cm("x")}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  labels: a: b\n`,
      "deploy.yaml": badDeployment,
    }, "one broken file");
    sync.trigger("default", "broken");
    const r = await synced("broken", bad, "lastAttemptedRevision");
    expect(r.status?.lastAppliedRevision).toBe(`main@sha1:${good}`);
    expect(condition(r, "Ready")).toMatchObject({ status: "False", reason: "ValidationFailed" });
    expect(condition(r, "Stalled")?.status).toBe("True");
    const errs = r.status?.errors ?? [];
    expect(errs.find((e) => e.file === "broken.yaml")).toMatchObject({ line: 12, document: 1, reason: "YAMLParseError", message: "Nested mappings are not allowed in compact mappings" });
    // The dry run's field error points at the line of `replicas: three`.
    const replicasLine = badDeployment.split("\n").findIndex((l) => l.includes("replicas: three")) + 1;
    expect(errs.find((e) => e.file === "deploy.yaml")).toMatchObject({ line: replicasLine, reason: "Invalid", kind: "Deployment", name: "web-bad" });
    expect(errs.find((e) => e.file === "deploy.yaml")!.message).toContain("spec.replicas");
    // Nothing of that commit reached the cluster.
    expect((await client.get<{ metadata: { name?: string }; data: { v: string } }>(configmaps, "default", "keep-a")).data.v).toBe("1");
    await expect(client.get(configmaps, "default", "new-c")).rejects.toSatisfy(isNotFound);
    const table = await kubectl.ok(["get", "gitrepositories", "broken"]);
    expect(table).toMatch(/NAME\s+URL\s+BRANCH\s+REVISION\s+READY\s+STATUS\s+AGE/);
    expect(table).toContain("False");
    expect(table).toMatch(/broken\.yaml:12: .*\(and 1 more error; see status\.errors\)/);

    const fixed = await repo.commit({ "broken.yaml": null, "deploy.yaml": null }, "fix");
    sync.trigger("default", "broken");
    const ok = await synced("broken", fixed);
    expect(condition(ok, "Ready")?.status).toBe("True");
    expect(ok.status?.errors).toEqual([]);
    expect((await client.get<{ metadata: { name?: string }; data: { v: string } }>(configmaps, "default", "keep-a")).data.v).toBe("2");
    await client.get(configmaps, "default", "new-c");
  });
});

describe("git-sync and hand edits", () => {
  it("restores a kubectl edit of a managed field, and only reports it with selfHeal off", async () => {
    const repo = await newRepo();
    const sha = await repo.commit({ "web.yaml": seed("nginx-deployment.yaml").replace("name: nginx-deployment", "name: drift-web") });
    await createRepository("drift", repo.url);
    await synced("drift", sha);

    await kubectl.ok(["set", "image", "deployment/drift-web", "nginx=kubelab/web:9"]);
    sync.trigger("default", "drift");
    await waitFor("image restored", async () => {
      const d = await client.get<{ metadata: { name?: string }; spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(deployments, "default", "drift-web");
      return d.spec.template.spec.containers[0]!.image === "kubelab/web:1";
    });
    // The repair's status write follows the object's: wait for it rather than race it.
    const healed = await waitFor("the repair in the history", async () => {
      const r = await getRepo("drift");
      return r.status?.history?.[0]?.message?.startsWith("drift corrected") ? r : undefined;
    });
    expect(healed.status?.history?.[0]?.message).toContain("drift corrected: Deployment default/drift-web: spec.template.spec.containers[name=nginx].image");

    await kubectl.ok(["patch", "gitrepository", "drift", "--type=merge", "-p", '{"spec":{"selfHeal":false}}']);
    await waitFor("spec observed", async () => (await getRepo("drift")).status?.observedGeneration === 2);
    await kubectl.ok(["scale", "deployment/drift-web", "--replicas=5"]);
    sync.trigger("default", "drift");
    const drifted = await waitFor("Drifted", async () => {
      const r = await getRepo("drift");
      return condition(r, "Drifted")?.status === "True" ? r : undefined;
    });
    expect(condition(drifted, "Drifted")).toMatchObject({ reason: "DriftDetected", message: expect.stringContaining("Deployment default/drift-web: spec.replicas") });
    const d = await client.get<{ metadata: { name?: string }; spec: { replicas: number } }>(deployments, "default", "drift-web");
    expect(d.spec.replicas).toBe(5);
  });
});
