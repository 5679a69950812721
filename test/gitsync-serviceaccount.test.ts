// git-sync acts as each GitRepository's ServiceAccount (Flux's model), against the real server
// with token authentication and RBAC on, git-sync running inside it as its own user
// (system:kubelab:git-sync, which may only impersonate ServiceAccounts), real git and the real
// kubectl: an object the account may not create is reported at its file and line and nothing of
// the revision is applied; once a binding allows it the same revision applies; prune runs as the
// account too, and so do the rechecks; a repository without serviceAccountName is its
// namespace's `default` account.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitRepository } from "../api/gitops";
import { RestClient, clusterroles, configmaps, gitrepositories, isNotFound } from "../client";
import { CONTROLLER_NAMES } from "../controlplane/controllers/names";
import { ensureGitRepositoryFromFlag } from "../controlplane/gitsync";
import { diffRevision } from "../controlplane/gitsync/diff";
import { ensureLabRepoAccount } from "../infra/local/repo";
import { ensureServingCert } from "../infra/local/access";
import { createTestRepo, type TestRepo } from "./fixtures/git";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const NS = "gs-sa";
const SA = "deployer";
const SA_USER = `system:serviceaccount:${NS}:${SA}`;
const ADMIN_TOKEN = "gs-sa-admin-token";
const dir = mkdtempSync(join(tmpdir(), "kubelab-gs-sa-"));
let server: TestServer;
let admin: RestClient;
let kubectl: ReturnType<typeof kubectlFor>;
let repo: TestRepo;

const cm = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;
// The ClusterRole is the second document of rbac.yaml: its line (7) is what the error must name.
const RBAC = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rbac-notes\ndata: {}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: gs-sa-config-reader\nrules:\n  - apiGroups: [""]\n    resources: [configmaps]\n    verbs: [get, list]\n`;

beforeAll(async () => {
  const serving = ensureServingCert(dir);
  const ca = readFileSync(serving.certFile);
  writeFileSync(join(dir, "tokens.csv"), `${ADMIN_TOKEN},gs-admin,gs-admin-uid,"system:masters"\n`);
  server = await startTestServer({
    args: ["--disable-controllers", CONTROLLER_NAMES.join(","), "--tls-cert-file", serving.certFile, "--tls-private-key-file", serving.keyFile, "--token-auth-file", join(dir, "tokens.csv")],
  });
  const kubeconfig = join(dir, "admin.kubeconfig");
  writeFileSync(kubeconfig, stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: server.url, "certificate-authority-data": ca.toString("base64") } }],
    users: [{ name: "admin", user: { token: ADMIN_TOKEN } }],
    contexts: [{ name: "c", context: { cluster: "c", user: "admin", namespace: NS } }],
    "current-context": "c",
  }), { mode: 0o600 });
  kubectl = kubectlFor(kubeconfig);
  admin = RestClient.fromKubeconfig(kubeconfig);
  await kubectl.ok(["create", "namespace", NS]);
  await kubectl.ok(["create", "serviceaccount", SA, "-n", NS]);
  await kubectl.ok(["create", "rolebinding", "deployer-admin", "--clusterrole", "admin", "--serviceaccount", `${NS}:${SA}`, "-n", NS]);
  await eventually(async () => (await kubectl.run(["auth", "can-i", "create", "configmaps", "-n", NS, "--as", SA_USER])).code === 0, 15_000, "the account's RoleBinding in the RBAC cache");
  repo = await createTestRepo();
}, 90_000);

afterAll(async () => {
  await server?.stop();
  repo?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const getRepo = (name: string) => admin.get<GitRepository>(gitrepositories, NS, name);
const ready = (r: GitRepository) => r.status?.conditions?.find((c) => c.type === "Ready");

async function createRepository(name: string, spec: Partial<GitRepository["spec"]>): Promise<void> {
  await admin.create(gitrepositories, NS, {
    apiVersion: "gitops.kubelab.io/v1alpha1",
    kind: "GitRepository",
    metadata: { name, namespace: NS },
    // A short interval: permissions granted later are picked up by the next re-validation.
    spec: { url: repo.url, branch: "main", interval: "2s", timeout: "1m", ...spec },
  } as GitRepository);
}

describe("git-sync acts as the GitRepository's ServiceAccount", () => {
  it("the client's impersonation option is what the server sees", async () => {
    const review = await admin.impersonate({ user: SA_USER }).raw<{ status?: { userInfo?: { username?: string; groups?: string[] } } }>("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview", metadata: {} });
    expect(review.status?.userInfo?.username).toBe(SA_USER);
    expect(review.status?.userInfo?.groups).toEqual(expect.arrayContaining(["system:serviceaccounts", `system:serviceaccounts:${NS}`, "system:authenticated"]));
  });

  it("reports the ClusterRole it may not create at its file and line, applies nothing, then applies once a binding allows it, and prunes as the account", async () => {
    const sha = await repo.commit({ "config.yaml": cm("app-config", "1"), "rbac.yaml": RBAC });
    await createRepository("apps", { serviceAccountName: SA });

    const refused = await eventually(async () => {
      const r = await getRepo("apps");
      return r.status?.lastAttemptedRevision?.endsWith(sha) && ready(r)?.status === "False" ? r : undefined;
    }, 20_000, "the revision refused");
    expect(ready(refused)).toMatchObject({ reason: "ValidationFailed" });
    expect(refused.status?.errors).toEqual([
      {
        file: "rbac.yaml",
        line: 7,
        document: 1,
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        name: "gs-sa-config-reader",
        reason: "Forbidden",
        message: expect.stringContaining(`User "${SA_USER}" cannot create resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope`),
      },
    ]);
    // Nothing of the revision: not even the ConfigMaps the account may create.
    for (const name of ["app-config", "rbac-notes"]) await expect(admin.get(configmaps, NS, name)).rejects.toSatisfy(isNotFound);
    expect(refused.status?.lastAppliedRevision).toBeUndefined();
    // `kubelab gitops diff` (run by the admin) validates as the account too, so it says the same.
    const diff = await diffRevision({ client: admin, namespace: NS, name: "apps" });
    expect(diff.errors.map((e) => `${e.file}:${e.line} ${e.kind} ${e.reason}`)).toEqual(["rbac.yaml:7 ClusterRole Forbidden"]);

    // A ClusterRole for the account's cluster-scoped objects (escalate: it may write rules it does not hold).
    await kubectl.ok(["create", "clusterrole", "gs-sa-clusterroles", "--verb", "get,list,create,patch,update,escalate", "--resource", "clusterroles"]);
    await kubectl.ok(["create", "clusterrolebinding", "gs-sa-clusterroles", "--clusterrole", "gs-sa-clusterroles", "--serviceaccount", `${NS}:${SA}`]);
    const applied = await eventually(async () => {
      const r = await getRepo("apps");
      return r.status?.lastAppliedRevision?.endsWith(sha) ? r : undefined;
    }, 20_000, "the same revision applied");
    expect(applied.status?.errors ?? []).toEqual([]);
    expect((await admin.get<{ metadata?: object; rules?: unknown[] }>(clusterroles, undefined, "gs-sa-config-reader")).rules).toHaveLength(1);
    expect((await admin.get<{ metadata?: object; data?: Record<string, string> }>(configmaps, NS, "app-config")).data).toEqual({ v: "1" });

    // git drops the ClusterRole: the account may not delete it, so the prune fails, naming it.
    const dropped = await repo.commit({ "rbac.yaml": cm("rbac-notes", "2") });
    const pruneFailed = await eventually(async () => {
      const r = await getRepo("apps");
      return r.status?.lastAttemptedRevision?.endsWith(dropped) && ready(r)?.reason === "PruneFailed" ? r : undefined;
    }, 20_000, "the prune refused");
    expect(pruneFailed.status?.errors).toEqual([
      expect.objectContaining({ kind: "ClusterRole", name: "gs-sa-config-reader", reason: "PruneFailed", message: expect.stringContaining(`User "${SA_USER}" cannot delete resource "clusterroles"`) }),
    ]);
    await admin.get(clusterroles, undefined, "gs-sa-config-reader");

    // With delete granted, the next run prunes it.
    await kubectl.ok(["patch", "clusterrole", "gs-sa-clusterroles", "--type", "json", "-p", '[{"op":"add","path":"/rules/0/verbs/-","value":"delete"}]']);
    await eventually(async () => admin.get(clusterroles, undefined, "gs-sa-config-reader").then(() => false, isNotFound), 20_000, "the ClusterRole pruned");
    const done = await eventually(async () => {
      const r = await getRepo("apps");
      return ready(r)?.status === "True" && r.status?.lastAppliedRevision?.endsWith(dropped) ? r : undefined;
    }, 20_000, "the repository Ready again");
    expect(done.status?.inventory?.map((e) => e.name).sort()).toEqual(["app-config", "rbac-notes"]);

    // The account loses its namespace: the next recheck can no longer read what it applied, and
    // says so at each object's file and line instead of failing silently.
    await kubectl.ok(["delete", "rolebinding", "deployer-admin", "-n", NS]);
    const revoked = await eventually(async () => {
      const r = await getRepo("apps");
      return ready(r)?.reason === "ValidationFailed" ? r : undefined;
    }, 20_000, "the lost rights reported");
    expect(revoked.status?.errors?.map((e) => `${e.file}:${e.line} ${e.kind} ${e.name} ${e.reason}`).sort()).toEqual(["config.yaml:1 ConfigMap app-config Forbidden", "rbac.yaml:1 ConfigMap rbac-notes Forbidden"]);
    expect(revoked.status?.errors?.[0]?.message).toContain(`User "${SA_USER}" cannot`);
  });

  it("the lab's repository gets an account with admin in default, and applies as it", async () => {
    const lab = await createTestRepo();
    try {
      const sha = await lab.commit({ "cm.yaml": cm("lab-config", "1") });
      await ensureGitRepositoryFromFlag(admin, `${lab.url}#main`);
      await ensureLabRepoAccount(join(dir, "admin.kubeconfig"));
      const r = await eventually(async () => {
        const g = await admin.get<GitRepository>(gitrepositories, "default", "lab");
        return g.spec.serviceAccountName === "gitops-lab" && g.status?.lastAppliedRevision?.endsWith(sha) && ready(g)?.status === "True" ? g : undefined;
      }, 20_000, "the lab repository applied as default/gitops-lab");
      expect(r.status?.inventory).toEqual([{ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "lab-config" }]);
      expect((await kubectl.run(["auth", "can-i", "create", "clusterroles", "--as", "system:serviceaccount:default:gitops-lab"])).stdout.trim()).toBe("no");
      // Idempotent, as every `lab up` runs it.
      await ensureLabRepoAccount(join(dir, "admin.kubeconfig"));
    } finally {
      lab.cleanup();
    }
  });

  it("a repository without serviceAccountName acts as its namespace's default ServiceAccount, never as git-sync", async () => {
    const other = await createTestRepo();
    try {
      const sha = await other.commit({ "cm.yaml": cm("by-default", "1") });
      await admin.create(gitrepositories, NS, {
        apiVersion: "gitops.kubelab.io/v1alpha1",
        kind: "GitRepository",
        metadata: { name: "no-account", namespace: NS },
        spec: { url: other.url, branch: "main", interval: "1h" },
      } as GitRepository);
      const r = await eventually(async () => {
        const g = await getRepo("no-account");
        return g.status?.lastAttemptedRevision?.endsWith(sha) && ready(g)?.status === "False" ? g : undefined;
      }, 20_000, "the revision refused");
      expect(r.status?.errors).toEqual([
        expect.objectContaining({ file: "cm.yaml", line: 1, kind: "ConfigMap", reason: "Forbidden", message: expect.stringContaining(`User "system:serviceaccount:${NS}:default" cannot`) }),
      ]);
      await expect(admin.get(configmaps, NS, "by-default")).rejects.toSatisfy(isNotFound);
    } finally {
      other.cleanup();
    }
  });
});
