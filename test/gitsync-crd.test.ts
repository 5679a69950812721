// A revision that brings a CustomResourceDefinition and custom resources of it: git-sync applies
// the CRD first, waits until it is Established, then dry-runs and applies the custom resources
// (which the server could not know before), as Flux does; an invalid custom resource is reported
// at its file and line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitRepository } from "../api/gitops";
import { RestClient, type ApiClient, gitrepositories } from "../client";
import { startGitSync, type GitSync } from "../controlplane/gitsync";
import { createTestRepo, type TestRepo } from "./fixtures/git";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.shop.example.com
spec:
  group: shop.example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer, minimum: 1 }
`;
const widget = (name: string, size: number) => `apiVersion: shop.example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  size: ${size}\n`;
const ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
const widgets = { group: "shop.example.com", version: "v1", plural: "widgets", kind: "Widget", namespaced: true };

let server: TestServer;
let client: ApiClient;
let sync: GitSync;
let cacheDir: string;
let repo: TestRepo;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "gitsync"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  cacheDir = mkdtempSync(join(tmpdir(), "gitsync-crd-"));
  sync = startGitSync({ client, cacheDir, healthPollMs: 500 });
  repo = await createTestRepo();
}, 60_000);

afterAll(async () => {
  await sync?.stop();
  await server?.stop();
  repo?.cleanup();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

const get = () => client.get<GitRepository>(gitrepositories, "default", "shop");
const cond = (r: GitRepository, type: string) => r.status?.conditions?.find((c) => c.type === type);

describe("git-sync with a CRD and its custom resources in one revision", () => {
  it("applies the CRD, then the custom resources once it is established, and reports them healthy", async () => {
    const sha = await repo.commit({ "00-ns.yaml": ns, "crd.yaml": crd, "widgets/small.yaml": widget("small", 1), "widgets/big.yaml": widget("big", 9) });
    await client.create(gitrepositories, "default", {
      apiVersion: "gitops.kubelab.io/v1alpha1",
      kind: "GitRepository",
      metadata: { name: "shop", namespace: "default" },
      spec: { url: repo.url, branch: "main", interval: "1h" },
    });
    const r = await eventually(async () => {
      const g = await get();
      return g.status?.lastAppliedRevision?.endsWith(sha) && cond(g, "Healthy")?.status === "True" ? g : undefined;
    }, 30_000, "the revision applied and healthy");
    expect(cond(r, "Ready")).toMatchObject({ status: "True" });
    const big = await client.get<{ metadata: { name: string }; spec: { size: number } }>(widgets, "shop", "big");
    expect(big.spec.size).toBe(9);
    expect(r.status?.inventory?.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(["CustomResourceDefinition/widgets.shop.example.com", "Namespace/shop", "Widget/big", "Widget/small"]);
  });

  it("reports an invalid custom resource at its file and line and keeps the valid ones", async () => {
    const sha = await repo.commit({ "widgets/big.yaml": widget("big", 0) });
    sync.trigger("default", "shop");
    const r = await eventually(async () => {
      const g = await get();
      return g.status?.lastAttemptedRevision?.endsWith(sha) && cond(g, "Reconciling")?.status === "False" ? g : undefined;
    }, 30_000, "the revision attempted");
    expect(cond(r, "Ready")).toMatchObject({ status: "False" });
    expect(r.status?.errors).toEqual([expect.objectContaining({ file: "widgets/big.yaml", kind: "Widget", name: "big", message: expect.stringContaining("spec.size") })]);
    expect((await client.get<{ metadata: { name: string }; spec: { size: number } }>(widgets, "shop", "big")).spec.size).toBe(9);
  });
});
