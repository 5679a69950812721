// A real open-source project's install, as its docs say to apply it: a manifest in the shape of
// Argo CD's install.yaml (kubelab's own text, test/fixtures/argocd-shaped-*.ts: the Application and
// AppProject CRDs at their real size, ServiceAccounts, Roles/ClusterRoles and bindings, ConfigMaps,
// Secrets, Services, Deployments, the application controller's StatefulSet, NetworkPolicies)
// applied with `kubectl apply --server-side -n argocd` against a real server, then used: its
// custom resources applied, listed with their columns, explained, and refused when invalid.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { argocdShapedInstall, argocdShapedObjects } from "./fixtures/argocd-shaped-install";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const APP = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: team}
spec:
  sourceRepos: ["https://git.example.com/*"]
  destinations: [{namespace: "team-*", server: "https://kubernetes.default.svc"}]
  clusterResourceWhitelist: [{group: "", kind: Namespace}]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook}
spec:
  project: team
  source:
    repoURL: https://git.example.com/apps.git
    targetRevision: HEAD
    path: guestbook
    kustomize: {namePrefix: gb-, replicas: [{name: web, count: 2}]}
  destination: {server: "https://kubernetes.default.svc", namespace: team-guestbook}
  syncPolicy: {automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}
`;

describe("a real project's install manifest (Argo CD's shape)", () => {
  let server: TestServer;
  let kubectl: ReturnType<typeof kubectlFor>;
  const dir = mkdtempSync(join(tmpdir(), "kubelab-argocd-"));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  beforeAll(async () => {
    server = await startTestServer();
    kubectl = kubectlFor(server.kubeconfig);
    await kubectl.ok(["create", "namespace", "argocd"]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("applies with kubectl apply --server-side without errors, and every object is there", async () => {
    const install = argocdShapedInstall();
    expect(install.length).toBeGreaterThan(500_000); // the CRDs are real-sized (Argo CD's install.yaml is over 1 MB)
    const out = await kubectl.run(["apply", "--server-side", "-n", "argocd", "-f", file("install.yaml", install)]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const objects = argocdShapedObjects() as Array<{ kind: string; metadata: { name: string } }>;
    expect(out.stdout.trim().split("\n")).toHaveLength(objects.length);
    for (const line of out.stdout.trim().split("\n")) expect(line).toMatch(/ serverside-applied$/);

    const kinds = [...new Set(objects.map((o) => o.kind))];
    expect(kinds).toEqual(expect.arrayContaining(["CustomResourceDefinition", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Secret", "Service", "Deployment", "StatefulSet", "NetworkPolicy"]));
    const listed = await kubectl.ok(["get", kinds.map((k) => k.toLowerCase()).join(","), "-n", "argocd", "-o", "name"]);
    for (const o of objects) expect(listed).toContain(`/${o.metadata.name}\n`);
    // Applying the same again changes nothing and still succeeds (as the docs' upgrade path does).
    const again = await kubectl.run(["apply", "--server-side", "-n", "argocd", "-f", join(dir, "install.yaml")]);
    expect(again.code, again.stderr).toBe(0);
  });

  it("serves the project's custom resources: apply, columns, explain, 422 for an invalid one", async () => {
    await eventually(async () => (await kubectl.run(["get", "applications", "-n", "argocd"])).code === 0, 20_000, "applications served");
    await kubectl.ok(["apply", "--server-side", "-n", "argocd", "-f", file("app.yaml", APP)]);
    const table = await kubectl.ok(["get", "app", "-n", "argocd", "-o", "wide"]);
    expect(table.split("\n")[0]).toMatch(/^NAME\s+SYNC STATUS\s+HEALTH STATUS\s+REVISION\s+PROJECT/);
    expect(table).toMatch(/guestbook\s+.*team/);
    const app = JSON.parse(await kubectl.ok(["get", "application", "guestbook", "-n", "argocd", "-o", "json"])) as { spec: { source: { kustomize: { replicas: Array<{ count: unknown }> } } } };
    expect(app.spec.source.kustomize.replicas[0]!.count).toBe(2);
    expect(await kubectl.ok(["explain", "application.spec.syncPolicy.retry.backoff"])).toMatch(/maxDuration\s+<string>/);

    const bad = await kubectl.run(["apply", "--server-side", "-n", "argocd", "-f", "-"], "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: broken}\nspec: {project: team, source: {path: x}}\n");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("spec.destination: Required value");
    expect(bad.stderr).toContain("spec.source.repoURL: Required value");
  });

  it("runs the StatefulSet's controller on it: the application controller gets its ordinal-0 pod", async () => {
    const pod = await eventually(async () => {
      const r = await kubectl.run(["get", "pod", "argocd-application-controller-0", "-n", "argocd", "-o", "json"]);
      return r.code === 0 ? (JSON.parse(r.stdout) as { metadata: { ownerReferences: Array<{ kind: string }> } }) : undefined;
    }, 20_000, "argocd-application-controller-0");
    expect(pod.metadata.ownerReferences[0]!.kind).toBe("StatefulSet");
  });
});
