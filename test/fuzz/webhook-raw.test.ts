// The raw-socket fuzzer against the git-sync webhook as `kubelab server` mounts it
// (/hooks/gitops/...), 20,000 requests with wrong or no credentials: the server stays alive,
// /readyz is ok, no 5xx, and nothing but git-sync's own bookkeeping (its GitRepository status
// and Events) changes.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTROLLER_NAMES } from "../../controlplane/controllers/names";
import { createTestRepo, type TestRepo } from "../fixtures/git";
import { startTestServer, type TestServer } from "../fixtures/server";
import { eventually } from "../fixtures/wait";
import { clusterState } from "./cluster-state";
import { fuzzListener, type FuzzResult } from "./raw-http";
import { runSeeds } from "./seeds";

const REQUESTS = 20_000;
let server: TestServer;
let repo: TestRepo;

beforeAll(async () => {
  repo = await createTestRepo();
  await repo.commit({ "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\ndata:\n  v: \"1\"\n" });
  const dir = mkdtempSync(join(tmpdir(), "kubelab-hookfuzz-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "the-real-webhook-token\n", { mode: 0o600 });
  server = await startTestServer({
    // Every control loop but git-sync off: nothing else writes while the store is compared.
    args: ["--disable-controllers", CONTROLLER_NAMES.join(","), "--gitops-repo", repo.url, "--gitops-webhook-token-file", tokenFile],
  });
  await eventually(async () => (await fetch(`${server.url}/api/v1/namespaces/default/configmaps/from-git`)).status === 200, 60_000, "git-sync to apply the repository");
}, 90_000);
afterAll(async () => {
  await server?.stop();
  repo?.cleanup();
});

const PATHS = ["/hooks/gitops/default/lab", "/hooks/gitops/default/lab", "/hooks/gitops/default/nope", "/hooks/gitops/", "/hooks/gitops/default/lab/extra", "/hooks/", "/hooks/gitops/kube-system/lab", "/hooks/gitops/a%2Fb/lab"];
const WRONG = { Authorization: "Bearer not-the-token", "X-Hub-Signature-256": "sha256=0000", "X-Gitlab-Token": "wrong", "X-GitHub-Event": "push" };

/** What must not change: everything but git-sync's own status and events. */
async function userState(): Promise<string[]> {
  return (await clusterState(server.url)).objects.filter((o) => !o.startsWith("gitrepositories/") && !o.startsWith("events/"));
}

function summary(r: FuzzResult): string {
  return [...r.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(" ");
}

describe("git-sync webhook under a raw-socket fuzzer", () => {
  it("answers 20,000 malformed or unauthorized requests without a crash, a 5xx or a write", async () => {
    const { hostname, port } = new URL(server.url);
    const before = await userState();
    const seeds = runSeeds();
    for (const seed of seeds) {
      const r = await fuzzListener({ host: hostname, port: Number(port), paths: PATHS, headers: WRONG, queryRate: 0.1 }, { seed, count: Math.ceil(REQUESTS / seeds.length) });
      const where = `seed ${seed} (replay: FUZZ_SEED=${seed}); statuses ${summary(r)}`;
      console.log(`webhook fuzz: ${where}`);
      expect(r.serverErrors, where).toEqual([]);
      process.kill(server.pid(), 0);
      expect((await fetch(`${server.url}/readyz`)).status, where).toBe(200);
    }
    expect(await userState()).toEqual(before);
  }, 180_000);
});
