// Kustomize through git-sync, end to end: a real git repository with a base and two overlays;
// the GitRepository pointing at one overlay applies exactly what `kubectl kustomize` prints for
// it, `kubelab gitops diff` renders the same way, and changing a generator's literal rolls the
// Deployment onto the new ConfigMap name.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitRepository } from "../api/gitops";
import { RestClient, type ApiClient, gitrepositories } from "../client";
import { startGitSync, type GitSync } from "../controlplane/gitsync";
import { diffRevision } from "../controlplane/gitsync/diff";
import { createTestRepo, type TestRepo } from "./fixtures/git";
import { kubectlKustomize } from "./fixtures/kustomize/compare";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

let server: TestServer;
let client: ApiClient;
let sync: GitSync;
let cacheDir: string;
let repo: TestRepo;
let kubectl: ReturnType<typeof kubectlFor>;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "gitsync"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  kubectl = kubectlFor(server.kubeconfig);
  cacheDir = mkdtempSync(join(tmpdir(), "gitsync-kustomize-"));
  sync = startGitSync({ client, cacheDir, healthPollMs: 60_000 });
  repo = await createTestRepo();
}, 60_000);

afterAll(async () => {
  await sync?.stop();
  await server?.stop();
  repo?.cleanup();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

const baseKustomization = (greeting: string) => `resources: [namespace.yaml, deployment.yaml, service.yaml]
configMapGenerator:
- name: settings
  literals: [GREETING=${greeting}, COLOR=blue]
`;

const tree = {
  "base/kustomization.yaml": baseKustomization("hello"),
  "base/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n",
  "base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: kubelab/web:1
        envFrom: [{configMapRef: {name: settings}}]
`,
  "base/service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
  "overlays/staging/kustomization.yaml": "resources: [../../base]\nnamespace: k1-staging\nnamePrefix: stg-\nlabels:\n- pairs: {env: staging}\n  includeSelectors: true\n",
  "overlays/prod/kustomization.yaml": `resources: [../../base]
namespace: k1-prod
namePrefix: prod-
labels:
- pairs: {env: prod}
  includeSelectors: true
commonAnnotations: {owner: platform}
images:
- {name: kubelab/web, newTag: "2"}
replicas:
- {name: web, count: 3}
configMapGenerator:
- name: settings
  behavior: merge
  literals: [COLOR=red]
patches:
- path: deployment-patch.yaml
- target: {kind: Service, name: web}
  patch: |-
    - {op: replace, path: /spec/ports/0/port, value: 8080}
`,
  "overlays/prod/deployment-patch.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        env: [{name: TIER, value: prod}]
`,
};

const getRepo = () => client.get<GitRepository>(gitrepositories, "default", "kustomized");
async function synced(sha: string): Promise<GitRepository> {
  return (await eventually(async () => {
    const r = await getRepo();
    // Applied (its Deployments may still be rolling out: no nodes here, so it stays Reconciling).
    return r.status?.lastAppliedRevision?.endsWith(sha) ? r : undefined;
  }, 30_000, `kustomized at ${sha.slice(0, 8)}`)) as GitRepository;
}

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

async function expectLiveEqualsKustomize(): Promise<Obj[]> {
  const expected = (await kubectlKustomize(join(repo.work, "overlays/prod"))).objects as Obj[];
  expect(expected.map((o) => o.kind).sort()).toEqual(["ConfigMap", "Deployment", "Namespace", "Service"]);
  for (const want of expected) {
    const ns = want.metadata.namespace ? ["-n", want.metadata.namespace] : [];
    const live = JSON.parse(await kubectl.ok(["get", want.kind.toLowerCase(), want.metadata.name, ...ns, "-o", "json"]));
    // Everything kustomize printed is live as printed; the server adds defaults and git-sync its
    // ownership labels and annotations, which toMatchObject allows.
    expect(live, `${want.kind} ${want.metadata.name}`).toMatchObject(want);
  }
  return expected;
}

describe("git-sync renders Kustomize overlays", () => {
  it("applies what kubectl kustomize prints for the overlay, and a changed generator literal rolls the Deployment", async () => {
    let sha = await repo.commit(tree, "base and two overlays");
    await client.create(gitrepositories, "default", {
      apiVersion: "gitops.kubelab.io/v1alpha1",
      kind: "GitRepository",
      metadata: { name: "kustomized", namespace: "default" },
      spec: { url: repo.url, branch: "main", interval: "1h", paths: ["overlays/prod"] },
    });
    const first = await synced(sha);
    const expected = await expectLiveEqualsKustomize();
    const cmName = expected.find((o) => o.kind === "ConfigMap")!.metadata.name;
    expect(cmName).toMatch(/^prod-settings-[a-z0-9]{10}$/);
    expect(first.status?.inventory?.map((e) => `${e.kind}/${e.namespace ?? ""}/${e.name}`).sort()).toEqual(expected.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`).sort());
    const dep = expected.find((o) => o.kind === "Deployment")!;
    expect(dep.spec.selector.matchLabels).toEqual({ app: "web", env: "prod" });
    expect(dep.spec.template.spec.containers[0]).toMatchObject({ image: "kubelab/web:2", env: [{ name: "TIER", value: "prod" }], envFrom: [{ configMapRef: { name: cmName } }] });

    sha = await repo.commit({ "base/kustomization.yaml": baseKustomization("bonjour") }, "change a generator literal");
    const plan = await diffRevision({ client, namespace: "default", name: "kustomized" });
    const newName = ((await kubectlKustomize(join(repo.work, "overlays/prod"))).objects as Obj[]).find((o) => o.kind === "ConfigMap")!.metadata.name;
    expect(newName).not.toBe(cmName);
    expect(plan.errors).toEqual([]);
    expect(plan.created.map((e) => e.ref.name)).toEqual([newName]);
    expect(plan.pruned.map((e) => e.ref.name)).toEqual([cmName]);
    expect(plan.changed.map((e) => `${e.ref.kind}/${e.ref.name}`)).toContain("Deployment/prod-web");

    sync.trigger("default", "kustomized");
    await synced(sha);
    await expectLiveEqualsKustomize();
    const live = JSON.parse(await kubectl.ok(["get", "deployment", "prod-web", "-n", "k1-prod", "-o", "json"]));
    expect(live.spec.template.spec.containers[0].envFrom[0].configMapRef.name).toBe(newName);
    expect(live.metadata.generation).toBe(2);
    await expect(kubectl.run(["get", "configmap", cmName, "-n", "k1-prod"])).resolves.toMatchObject({ code: 1 });
  });

  it("refuses a revision whose kustomization is broken, naming the file and line, and keeps the last good one", async () => {
    const good = (await getRepo()).status?.lastAppliedRevision;
    const sha = await repo.commit({ "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n- https://github.com/example/base\n" }, "remote base");
    sync.trigger("default", "kustomized");
    const r = (await eventually(async () => {
      const x = await getRepo();
      return x.status?.lastAttemptedRevision?.endsWith(sha) && x.status.errors?.length ? x : undefined;
    }, 30_000, "the broken revision attempted")) as GitRepository;
    expect(r.status?.lastAppliedRevision).toBe(good);
    expect(r.status?.errors).toEqual([expect.objectContaining({ file: "overlays/prod/kustomization.yaml", line: 3, reason: "RemoteBaseRefused" })]);
  });
});
