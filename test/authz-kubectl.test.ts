// Authorization with the real kubectl against a real TLS server with RBAC on: the default
// view/edit/admin roles bound in a namespace, `kubectl auth can-i` (and --list) agreeing with what
// the server then does over a table of 30 verb/resource cases per role, Kubernetes' 403 message,
// impersonation (--as, --as-group) for an admin only, privilege escalation refused, and the
// in-process components working under their own users.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureServingCert } from "../infra/local/access";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const dir = mkdtempSync(join(tmpdir(), "kubelab-authz-"));
const NS = "team";
const USERS = { admin: "authz-admin-token", viewer: "authz-view-token", editor: "authz-edit-token", nsadmin: "authz-nsadmin-token", nobody: "authz-nobody-token" };
type User = keyof typeof USERS;
let server: TestServer;
let ca: Buffer;
let dispatcher: Agent;
const k = {} as Record<User, ReturnType<typeof kubectlFor>>;

function kubeconfigFor(name: string, token: string): string {
  const file = join(dir, `${name}.kubeconfig`);
  writeFileSync(file, stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: server.url, "certificate-authority-data": ca.toString("base64") } }],
    users: [{ name, user: { token } }],
    contexts: [{ name: "c", context: { cluster: "c", user: name, namespace: NS } }],
    "current-context": "c",
  }), { mode: 0o600 });
  return file;
}

beforeAll(async () => {
  const serving = ensureServingCert(dir);
  ca = readFileSync(serving.certFile);
  dispatcher = new Agent({ connect: { ca } });
  writeFileSync(join(dir, "tokens.csv"), [
    `${USERS.admin},admin,admin-uid,"system:masters"`,
    `${USERS.viewer},viewer,viewer-uid`,
    `${USERS.editor},editor,editor-uid`,
    `${USERS.nsadmin},nsadmin,nsadmin-uid,"team-admins"`,
    `${USERS.nobody},nobody,nobody-uid`,
  ].join("\n") + "\n");
  server = await startTestServer({
    args: ["--disable-controllers", "nodelifecycle,nodeipam,endpoints,endpointslice,garbagecollector,job,cronjob,ttl-after-finished,gitsync",
      "--tls-cert-file", serving.certFile, "--tls-private-key-file", join(dir, "tls", "apiserver.key"), "--token-auth-file", join(dir, "tokens.csv")],
  });
  for (const u of Object.keys(USERS) as User[]) k[u] = kubectlFor(kubeconfigFor(u, USERS[u]));
  await k.admin.ok(["create", "namespace", NS]);
  await k.admin.ok(["create", "rolebinding", "viewers", "--clusterrole", "view", "--user", "viewer", "-n", NS]);
  await k.admin.ok(["create", "rolebinding", "editors", "--clusterrole", "edit", "--user", "editor", "-n", NS]);
  await k.admin.ok(["create", "rolebinding", "admins", "--clusterrole", "admin", "--group", "team-admins", "-n", NS]);
  await k.admin.ok(["create", "configmap", "settings", "--from-literal", "a=1", "-n", NS]);
  await eventually(async () => (await k.viewer.run(["get", "configmaps", "-n", NS])).code === 0, 15_000, "the viewer's binding to reach the RBAC cache");
}, 90_000);
afterAll(async () => {
  await server?.stop();
  await dispatcher?.close();
});

interface Case {
  verb: string;
  /** kubectl's resource argument ("pods", "deployments.apps", "namespaces/team"). */
  resource: string;
  subresource?: string;
  /** The real request: method and path under the server. */
  method: string;
  path: string;
}

const core = `/api/v1/namespaces/${NS}`;
const apps = `/apis/apps/v1/namespaces/${NS}`;
const c = (verb: string, resource: string, method: string, path: string, subresource?: string): Case => ({ verb, resource, method, path, subresource });
const CASES: Case[] = [
  c("get", "pods", "GET", `${core}/pods/p1`),
  c("list", "pods", "GET", `${core}/pods`),
  c("watch", "pods", "GET", `${core}/pods?watch=true&timeoutSeconds=1`),
  c("create", "pods", "POST", `${core}/pods?dryRun=All`),
  c("delete", "pods", "DELETE", `${core}/pods/p1?dryRun=All`),
  c("patch", "pods", "PATCH", `${core}/pods/p1?dryRun=All`),
  c("get", "pods", "GET", `${core}/pods/p1/log`, "log"),
  c("get", "secrets", "GET", `${core}/secrets/s1`),
  c("list", "secrets", "GET", `${core}/secrets`),
  c("create", "secrets", "POST", `${core}/secrets?dryRun=All`),
  c("get", "configmaps", "GET", `${core}/configmaps/settings`),
  c("create", "configmaps", "POST", `${core}/configmaps?dryRun=All`),
  c("update", "configmaps", "PUT", `${core}/configmaps/settings?dryRun=All`),
  c("delete", "configmaps", "DELETE", `${core}/configmaps/settings?dryRun=All`),
  c("deletecollection", "configmaps", "DELETE", `${core}/configmaps?dryRun=All`),
  c("list", "services", "GET", `${core}/services`),
  c("create", "services", "POST", `${core}/services?dryRun=All`),
  c("list", "events", "GET", `${core}/events`),
  c("get", "deployments.apps", "GET", `${apps}/deployments/d1`),
  c("create", "deployments.apps", "POST", `${apps}/deployments?dryRun=All`),
  c("patch", "deployments.apps", "PATCH", `${apps}/deployments/d1?dryRun=All`),
  c("get", "deployments.apps", "GET", `${apps}/deployments/d1/scale`, "scale"),
  c("update", "deployments.apps", "PUT", `${apps}/deployments/d1/scale?dryRun=All`, "scale"),
  c("list", "replicasets.apps", "GET", `${apps}/replicasets`),
  c("list", "jobs.batch", "GET", `/apis/batch/v1/namespaces/${NS}/jobs`),
  c("create", "cronjobs.batch", "POST", `/apis/batch/v1/namespaces/${NS}/cronjobs?dryRun=All`),
  c("list", "roles.rbac.authorization.k8s.io", "GET", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`),
  c("create", "rolebindings.rbac.authorization.k8s.io", "POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings?dryRun=All`),
  c("get", "namespaces/team", "GET", `/api/v1/namespaces/${NS}`),
  c("list", "gitrepositories.gitops.kubelab.io", "GET", `/apis/gitops.kubelab.io/v1alpha1/namespaces/${NS}/gitrepositories`),
];

/** Whether the server let the request through authorization (any answer but 403). */
async function serverAllows(u: User, t: Case): Promise<boolean> {
  const abort = new AbortController();
  const res = await undiciFetch(`${server.url}${t.path}`, {
    method: t.method,
    dispatcher,
    signal: abort.signal,
    headers: { Authorization: `Bearer ${USERS[u]}`, "Content-Type": t.method === "PATCH" ? "application/merge-patch+json" : "application/json" },
    body: ["POST", "PUT", "PATCH"].includes(t.method) ? "{}" : undefined,
  });
  abort.abort(); // a watch stays open; its status line is all that counts
  return res.status !== 403;
}

async function canI(u: User, t: Case): Promise<boolean> {
  const r = await k[u].run(["auth", "can-i", t.verb, t.resource, "-n", NS, ...(t.subresource ? ["--subresource", t.subresource] : [])]);
  if (r.code > 1) throw new Error(`kubectl auth can-i failed: ${r.stderr}`);
  return r.stdout.trim() === "yes";
}

async function table(u: User): Promise<Record<string, { canI: boolean; server: boolean }>> {
  const out: Record<string, { canI: boolean; server: boolean }> = {};
  // A few kubectl processes at a time: the machine has two cores.
  for (let i = 0; i < CASES.length; i += 5) {
    await Promise.all(CASES.slice(i, i + 5).map(async (t) => {
      out[`${t.verb} ${t.resource}${t.subresource ? "/" + t.subresource : ""}`] = { canI: await canI(u, t), server: await serverAllows(u, t) };
    }));
  }
  return out;
}

describe("kubectl auth can-i agrees with the server", () => {
  const yes = (t: Record<string, { canI: boolean }>) => Object.values(t).filter((x) => x.canI).length;
  const results: Partial<Record<User, Awaited<ReturnType<typeof table>>>> = {};

  it.each(["viewer", "editor", "nsadmin"] as const)("over 30 cases for the %s", async (u) => {
    const t = await table(u);
    results[u] = t;
    for (const [name, r] of Object.entries(t)) expect({ name, server: r.server }).toEqual({ name, server: r.canI });
  }, 60_000);

  it("grants view < edit < admin, as the default roles do", () => {
    const [v, e, a] = [results.viewer!, results.editor!, results.nsadmin!];
    expect(v["list pods"]!.canI).toBe(true);
    expect(v["get pods/log"]!.canI).toBe(true);
    expect(v["get secrets"]!.canI).toBe(false);
    expect(v["delete pods"]!.canI).toBe(false);
    expect(e["get secrets"]!.canI).toBe(true);
    expect(e["update deployments.apps/scale"]!.canI).toBe(true);
    expect(e["list roles.rbac.authorization.k8s.io"]!.canI).toBe(false);
    expect(a["create rolebindings.rbac.authorization.k8s.io"]!.canI).toBe(true);
    expect(a["list gitrepositories.gitops.kubelab.io"]!.canI).toBe(true);
    expect(yes(v)).toBeLessThan(yes(e));
    expect(yes(e)).toBeLessThan(yes(a));
  });

  it("lists the viewer's rules with can-i --list", async () => {
    const out = await k.viewer.ok(["auth", "can-i", "--list", "-n", NS]);
    expect(out).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(out).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(out).not.toMatch(/^secrets\s/m);
  });
});

describe("a denied request", () => {
  it("is 403 with Kubernetes' message, namespaced and at the cluster scope", async () => {
    await k.viewer.ok(["get", "configmap", "settings"]);
    const del = await k.viewer.run(["delete", "configmap", "settings"]);
    expect(del.code).toBe(1);
    expect(del.stderr.trim()).toBe(`Error from server (Forbidden): configmaps "settings" is forbidden: User "viewer" cannot delete resource "configmaps" in API group "" in the namespace "team"`);
    const nodes = await k.viewer.run(["get", "nodes"]);
    expect(nodes.stderr.trim()).toBe(`Error from server (Forbidden): nodes is forbidden: User "viewer" cannot list resource "nodes" in API group "" at the cluster scope`);
    const deploy = await k.nobody.run(["get", "deployments"]);
    expect(deploy.stderr.trim()).toBe(`Error from server (Forbidden): deployments.apps is forbidden: User "nobody" cannot list resource "deployments" in API group "apps" in the namespace "team"`);
  });

  it("names the path of a non-resource request", async () => {
    const res = await undiciFetch(`${server.url}/metrics`, { dispatcher, headers: { Authorization: `Bearer ${USERS.viewer}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toBe(`forbidden: User "viewer" cannot get path "/metrics"`);
  });
});

describe("impersonation", () => {
  it("works for an admin with --as and --as-group, and can-i answers as the impersonated user", async () => {
    const who = JSON.parse(await k.admin.ok(["auth", "whoami", "-o", "json", "--as", "someone", "--as-group", "team-admins"])) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(who.status.userInfo).toMatchObject({ username: "someone", groups: ["team-admins", "system:authenticated"] });
    expect((await k.admin.run(["auth", "can-i", "delete", "configmaps", "-n", NS, "--as", "viewer"])).stdout.trim()).toBe("no");
    expect((await k.admin.run(["auth", "can-i", "delete", "configmaps", "-n", NS, "--as", "x", "--as-group", "team-admins"])).stdout.trim()).toBe("yes");
    const denied = await k.admin.run(["delete", "configmap", "settings", "-n", NS, "--as", "viewer", "--dry-run=server"]);
    expect(denied.stderr).toContain(`User "viewer" cannot delete resource "configmaps"`);
  });

  it("keeps repeated --as-group flags apart (each header one group)", async () => {
    const who = JSON.parse(await k.admin.ok(["auth", "whoami", "-o", "json", "--as", "someone", "--as-group", "g1", "--as-group", "g2"])) as { status: { userInfo: { groups: string[] } } };
    expect(who.status.userInfo.groups).toEqual(["g1", "g2", "system:authenticated"]);
  });

  it("is 403 for anyone else", async () => {
    const r = await k.editor.run(["get", "pods", "-n", NS, "--as", "admin"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`Error from server (Forbidden): users "admin" is forbidden: User "editor" cannot impersonate resource "users" in API group "" at the cluster scope`);
  });
});

describe("privilege escalation prevention", () => {
  it("refuses a namespace admin a Role with rules they do not hold, and a binding to cluster-admin", async () => {
    const role = await k.nsadmin.run(["create", "role", "node-reader", "--verb", "get", "--resource", "nodes", "-n", NS]);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain(`roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "nsadmin" (groups=["team-admins" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}`);
    const bind = await k.nsadmin.run(["create", "rolebinding", "root", "--clusterrole", "cluster-admin", "--user", "nsadmin", "-n", NS]);
    expect(bind.code).toBe(1);
    expect(bind.stderr).toContain(`rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "nsadmin"`);
  });

  it("lets them grant what they hold", async () => {
    await k.nsadmin.ok(["create", "role", "pod-reader", "--verb", "get,list", "--resource", "pods", "-n", NS]);
    await k.nsadmin.ok(["create", "rolebinding", "more-editors", "--clusterrole", "edit", "--user", "nobody", "-n", NS]);
    await eventually(async () => (await k.nobody.run(["get", "pods", "-n", NS])).code === 0, 15_000, "nobody's new binding to take effect");
  });
});

describe("ClusterRole aggregation", () => {
  it("adds a role labelled aggregate-to-view to view, so the viewer may use it", async () => {
    const canCreateSlices = async (u: User) => (await k[u].run(["auth", "can-i", "create", "endpointslices.discovery.k8s.io", "-n", NS])).stdout.trim();
    expect(await canCreateSlices("viewer")).toBe("no");
    expect(await canCreateSlices("nsadmin")).toBe("no");
    await k.admin.ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "slice-writer", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
      rules: [{ apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["create"] }],
    }));
    await eventually(async () => (await canCreateSlices("viewer")) === "yes", 20_000, "view to aggregate slice-writer");
    // edit aggregates view, and admin edit.
    await eventually(async () => (await canCreateSlices("nsadmin")) === "yes", 20_000, "admin to aggregate it through edit");
  });
});

describe("the control plane's components", () => {
  it("run as their own users: the controller manager creates a Deployment's pods, the scheduler reports them unschedulable", async () => {
    await k.admin.ok(["create", "deployment", "web", "--image", "kubelab/web:1", "-n", NS]);
    await eventually(async () => (await k.admin.ok(["get", "pods", "-n", NS, "-l", "app=web", "-o", "name"])).trim() !== "", 20_000, "the web pod");
    await eventually(async () => (await k.admin.ok(["get", "events", "-n", NS, "--field-selector", "reason=FailedScheduling", "-o", "name"])).trim() !== "", 20_000, "the scheduler's FailedScheduling event");
    const clusterroles = await k.admin.ok(["get", "clusterrolebindings", "system:kube-scheduler", "system:kube-controller-manager", "-o", "wide"]);
    expect(clusterroles).toMatch(/system:kube-scheduler\s+ClusterRole\/system:kube-scheduler\s+\S+\s+system:kube-scheduler/);
  });
});
