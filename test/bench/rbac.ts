// `npm run bench -- rbac`: what authorization costs on the create path. The api benchmark's pod
// creates (16 clients, reads alongside) against two real servers with the same token file: one
// with --authorization-mode AlwaysAllow (authentication on, authorization off), one with the
// default Node,RBAC and 100 Roles and 1,000 RoleBindings loaded. The clients act as a user
// allowed by a RoleBinding (edit in "default"), so every request walks the cluster-wide bindings
// of system:authenticated and then the namespace's. Runs alternate, best of each counts, to
// keep the shared machine's noise out of the difference.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer } from "../fixtures/server";
import { createLoad, pooledFetch, type BenchFetch, type BenchSend, type CreateLoad } from "./api-load";
import { requestAttributes } from "../../controlplane/apiserver/authz/attributes";
import { RBACAuthorizer } from "../../controlplane/apiserver/authz/rbac";
import { RbacCache } from "../../controlplane/apiserver/authz/rbac-cache";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "../../controlplane/apiserver/bootstrap/rbac-policy";
import { aggregatedRules } from "../../api/rbac";
import type { BenchRow } from "./table";

const ADMIN = "bench-admin-token";
const USER = "bench-user-token";
const NAMESPACES = 10;

async function post(fetch: BenchFetch, url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`POST ${url}: ${res.status}`);
}

/** 100 Roles and 1,000 RoleBindings over ten namespaces, and the bench user's edit binding. */
async function loadPolicy(fetch: BenchFetch, url: string): Promise<void> {
  const rbac = `${url}/apis/rbac.authorization.k8s.io/v1/namespaces`;
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = n === 0 ? "default" : `team-${n}`;
    if (n > 0) await post(fetch, `${url}/api/v1/namespaces`, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const jobs: Promise<void>[] = [];
    for (let r = 0; r < 10; r++) {
      jobs.push(post(fetch, `${rbac}/${ns}/roles`, { kind: "Role", apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: `role-${r}` }, rules: [{ verbs: ["get", "list"], apiGroups: [""], resources: ["configmaps", `things-${r}`] }] }));
    }
    await Promise.all(jobs);
    for (let b = 0; b < 100; b += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => post(fetch, `${rbac}/${ns}/rolebindings`, {
        kind: "RoleBinding",
        apiVersion: "rbac.authorization.k8s.io/v1",
        metadata: { name: `binding-${b + i}` },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `role-${(b + i) % 10}` },
        subjects: [{ kind: "User", name: `user-${b + i}` }, { kind: "Group", name: `group-${(b + i) % 7}` }, { kind: "ServiceAccount", name: `sa-${b + i}`, namespace: ns }],
      })));
    }
  }
  await post(fetch, `${rbac}/default/rolebindings`, { kind: "RoleBinding", apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "bench-edit" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" }, subjects: [{ kind: "User", name: "bench" }] });
}

async function run(tokens: string, rbac: boolean, total: number): Promise<CreateLoad> {
  const server = await startTestServer({ args: ["--disable-controllers", "all", "--token-auth-file", tokens, ...(rbac ? [] : ["--authorization-mode", "AlwaysAllow"])] });
  const { fetch, send, close } = pooledFetch();
  try {
    const asUser: BenchFetch = (url, init = {}) => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), Authorization: `Bearer ${USER}` } });
    if (rbac) {
      await loadPolicy(fetch, server.url);
      // The binding reaches the authorizer's cache through the store's watch.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const res = await asUser(`${server.url}/api/v1/namespaces/default/pods`);
        await res.arrayBuffer();
        if (res.status === 200) break;
        if (Date.now() > deadline) throw new Error("the bench user's binding never took effect");
      }
    }
    const sendAsUser: BenchSend = (method, url, body, headers) => send(method, url, body, { ...headers, authorization: `Bearer ${USER}` });
    return await createLoad(sendAsUser, server.url, server.pid(), total, 16);
  } finally {
    await close();
    await server.stop();
  }
}

/**
 * The authorizer alone, in process: one create's authorization (the bench user through the
 * system:authenticated bindings and the namespace's 100), with the default policy, 100 Roles and
 * 1,000 RoleBindings in its cache. Immune to the machine's other load, unlike the rates above.
 */
function authorizeCostMicros(): number {
  const cache = new RbacCache();
  const roles = bootstrapClusterRoles();
  for (const r of roles) cache.setRole("", r.metadata.name!, aggregatedRules(r, roles) ?? r.rules);
  for (const b of bootstrapClusterRoleBindings()) cache.setBinding("", b);
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = n === 0 ? "default" : `team-${n}`;
    for (let r = 0; r < 10; r++) cache.setRole(ns, `role-${r}`, [{ verbs: ["get", "list"], apiGroups: [""], resources: ["configmaps", `things-${r}`] }]);
    for (let b = 0; b < 100; b++) {
      cache.setBinding(ns, {
        apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: `binding-${b}`, namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `role-${b % 10}` },
        subjects: [{ kind: "User", name: `user-${b}` }, { kind: "Group", name: `group-${b % 7}` }, { kind: "ServiceAccount", name: `sa-${b}`, namespace: ns }],
      });
    }
  }
  cache.setBinding("default", { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "bench-edit", namespace: "default" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" }, subjects: [{ kind: "User", name: "bench" }] });
  const rbac = new RBACAuthorizer(cache);
  const user = { name: "bench", uid: "bench", groups: ["system:authenticated"] };
  const info = { url: new URL("http://x/api/v1/namespaces/default/pods"), resource: { group: "", version: "v1", namespace: "default", plural: "pods" }, verb: "create", longRunning: false };
  const n = 200_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (rbac.authorize(requestAttributes(info, user)).decision !== "Allow") throw new Error("bench user not allowed");
  return Number(process.hrtime.bigint() - t) / 1000 / n;
}

export async function benchRbac(): Promise<BenchRow[]> {
  const total = Number(process.env.BENCH_RBAC_PODS ?? 4000);
  const dir = mkdtempSync(join(tmpdir(), "kubelab-bench-rbac-"));
  const tokens = join(dir, "tokens.csv");
  writeFileSync(tokens, `${ADMIN},admin,admin,"system:masters"\n${USER},bench,bench\n`);
  const off: CreateLoad[] = [];
  const on: CreateLoad[] = [];
  for (let i = 0; i < 2; i++) {
    off.push(await run(tokens, false, total));
    on.push(await run(tokens, true, total));
  }
  const best = (xs: CreateLoad[]) => xs.reduce((a, b) => (b.rate > a.rate ? b : a));
  const cpu = (xs: CreateLoad[]) => Math.min(...xs.map((x) => x.cpuPerCreate));
  const [a, b] = [best(off), best(on)];
  const micros = authorizeCostMicros();
  return [
    { metric: "RBAC authorization of one create (in process, same policy)", value: micros, unit: "µs", target: "(info)" },
    { metric: "that as a share of the server CPU per create (off)", value: (100 * micros) / 1000 / cpu(off), unit: "%", target: "<= 5 %" },
    { metric: `pod creates/s, authorization off (AlwaysAllow), ${total} pods`, value: a.rate, unit: "/s", target: "(info)" },
    { metric: "pod creates/s, RBAC with 100 Roles + 1,000 RoleBindings", value: b.rate, unit: "/s", target: "(info)" },
    { metric: "create throughput lost to RBAC", value: (100 * (a.rate - b.rate)) / a.rate, unit: "%", target: "<= 5 %" },
    { metric: "server CPU per create (incl. reads), off / RBAC", value: cpu(off), unit: `ms / ${cpu(on).toFixed(3)} ms`, target: "(info)" },
    { metric: "create p99, off / RBAC", value: a.createP99, unit: `ms / ${b.createP99.toFixed(2)} ms`, target: "(info)" },
  ];
}
