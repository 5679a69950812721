// The webhook applies a push at once (the interval is an hour here), over HTTP, with GitHub
// HMAC, GitLab and Bearer tokens from the repository's Secret; wrong or missing tokens refused.
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitRepository } from "../api/gitops";
import { RestClient, type ApiClient, configmaps, gitrepositories, secrets } from "../client";
import { startGitSync, type GitSync } from "../controlplane/gitsync";
import { createTestRepo, startGitDaemon, type GitDaemon, type TestRepo } from "./fixtures/git";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const cm = (name: string, v = "1") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;

let server: TestServer;
let client: ApiClient;
let sync: GitSync;
let hooks: Server;
let hookUrl: string;
let repo: TestRepo;
let daemon: GitDaemon;
let cacheDir: string;
const TOKEN = "hook-secret-123";

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "gitsync"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  cacheDir = mkdtempSync(join(tmpdir(), "gitsync-hook-"));
  sync = startGitSync({ client, cacheDir, healthPollMs: 60_000 });
  hooks = createServer((req, res) => {
    void sync.httpHandler(req, res, new URL(req.url ?? "/", "http://localhost")).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as { port: number }).port}/hooks/gitops`;
  repo = await createTestRepo();
  daemon = await startGitDaemon(repo.root);
}, 60_000);

afterAll(async () => {
  await sync?.stop();
  if (hooks) await new Promise((r) => hooks.close(r));
  await daemon?.stop();
  await server?.stop();
  repo?.cleanup();
  rmSync(cacheDir, { recursive: true, force: true });
});

const getRepo = (name: string) => client.get<GitRepository>(gitrepositories, "default", name);

async function waitApplied(name: string, sha: string, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => (await getRepo(name)).status?.lastAppliedRevision?.endsWith(sha), timeoutMs, `${name} to apply ${sha.slice(0, 8)}`);
}

const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${hookUrl}/${path}`, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers } });

describe("git-sync webhook", () => {
  it("applies a push over git daemon at once when GitHub, GitLab or generic webhooks arrive with the right token", async () => {
    const first = await repo.commit({ "a.yaml": cm("hook-a") });
    await client.create(secrets, "default", { apiVersion: "v1", kind: "Secret", metadata: { name: "hook-creds" }, data: { webhookToken: Buffer.from(TOKEN).toString("base64") } });
    await client.create(gitrepositories, "default", {
      apiVersion: "gitops.kubelab.io/v1alpha1",
      kind: "GitRepository",
      metadata: { name: "hooked", namespace: "default" },
      spec: { url: daemon.url("repo.git"), branch: "main", interval: "1h", secretRef: { name: "hook-creds" } },
    });
    await waitApplied("hooked", first);

    // GitHub: HMAC of the body.
    const second = await repo.commit({ "a.yaml": cm("hook-a", "2") });
    const body = JSON.stringify({ ref: "refs/heads/main", after: second, repository: { clone_url: "x" } });
    const sig = "sha256=" + createHmac("sha256", TOKEN).update(body).digest("hex");
    const res = await post("default/hooked", body, { "X-GitHub-Event": "push", "X-Hub-Signature-256": sig });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ triggered: true, repository: "default/hooked", ref: "refs/heads/main", after: second });
    await waitApplied("hooked", second);
    expect((await client.get<{ metadata: { name?: string }; data: { v: string } }>(configmaps, "default", "hook-a")).data.v).toBe("2");

    // GitLab token header, then a generic call with a bearer token and no body.
    const third = await repo.commit({ "b.yaml": cm("hook-b") });
    expect((await post("default/hooked", JSON.stringify({ object_kind: "push", ref: "refs/heads/main", checkout_sha: third }), { "X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": TOKEN })).status).toBe(202);
    await waitApplied("hooked", third);
    const fourth = await repo.commit({ "c.yaml": cm("hook-c") });
    expect((await post("default/hooked", "", { Authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    await waitApplied("hooked", fourth);
  });

  it("refuses wrong tokens, unknown repositories and repositories without a token; ignores other branches", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main" });
    expect((await post("default/hooked", body, { "X-Hub-Signature-256": "sha256=" + createHmac("sha256", "wrong").update(body).digest("hex") })).status).toBe(401);
    expect((await post("default/hooked", body, { Authorization: "Bearer wrong" })).status).toBe(401);
    expect((await post("default/hooked", body, {})).status).toBe(401);
    expect((await post("default/nope", body, { Authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect((await fetch(`${hookUrl}/default/hooked`)).status).toBe(405);
    const other = await post("default/hooked", JSON.stringify({ ref: "refs/heads/dev" }), { Authorization: `Bearer ${TOKEN}` });
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ triggered: false });

    await client.create(gitrepositories, "default", {
      apiVersion: "gitops.kubelab.io/v1alpha1",
      kind: "GitRepository",
      metadata: { name: "tokenless", namespace: "default" },
      spec: { url: daemon.url("repo.git"), interval: "1h" },
    });
    const refused = await post("default/tokenless", body, { Authorization: "Bearer anything" });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain("no webhook token is configured");
  });
});
