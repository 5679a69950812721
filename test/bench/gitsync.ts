// `npm run bench -- gitsync`: git-sync against a real API server process (SQLite, no other
// controllers) and real git repositories on disk. Push -> applied through the webhook for a
// 20-object commit (p50/p99), a 1,000-manifest repository applied from scratch, and the re-check
// of an unchanged revision.
import { mkdtempSync, rmSync } from "node:fs";
import { pino } from "pino";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitRepository } from "../../api/gitops";
import { ApiClient, gitrepositories, secrets } from "../../client";
import { startGitSync } from "../../controlplane/gitsync";
import type { ReconcileResult } from "../../controlplane/gitsync/reconcile";
import { createTestRepo, startGitDaemon } from "../fixtures/git";
import { startTestServer } from "../fixtures/server";
import { percentile, type BenchRow } from "./table";

const cm = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;

export async function benchGitsync(): Promise<BenchRow[]> {
  const server = await startTestServer({ args: ["--disable-controllers", "all"] });
  const client = ApiClient.fromKubeconfig(server.kubeconfig);
  const cacheDir = mkdtempSync(join(tmpdir(), "bench-gitsync-"));
  const small = await createTestRepo();
  const big = await createTestRepo();
  const waiters = new Map<string, (r: { result: ReconcileResult; ms: number }) => void>();
  const sync = startGitSync({
    client,
    ...(process.env.BENCH_GITSYNC_LOG ? { logger: pino({ level: "info" }, pino.destination(2)) } : {}),
    cacheDir,
    healthPollMs: 3_600_000,
    onReconciled: (key, result, ms) => waiters.get(key)?.({ result, ms }),
  });
  const next = (key: string, pred: (r: ReconcileResult) => boolean) =>
    new Promise<{ result: ReconcileResult; ms: number }>((resolve) =>
      waiters.set(key, (r) => {
        if (pred(r.result)) {
          waiters.delete(key);
          resolve(r);
        }
      }),
    );
  const create = (name: string, url: string, secret?: string) =>
    client.create(gitrepositories, "default", {
      apiVersion: "gitops.kubelab.io/v1alpha1",
      kind: "GitRepository",
      metadata: { name, namespace: "default" },
      spec: { url, branch: "main", interval: "1h", ...(secret ? { secretRef: { name: secret } } : {}) },
    } as GitRepository);
  const rows: BenchRow[] = [];
  try {
    // 1. Push -> applied through the webhook, 20 objects changed per commit.
    const token = "bench-token";
    await client.create(secrets, "default", { apiVersion: "v1", kind: "Secret", metadata: { name: "bench" }, data: { webhookToken: Buffer.from(token).toString("base64") } });
    const files = (v: string) => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`apps/cm-${i}.yaml`, cm(`small-${i}`, v)]));
    await small.commit(files("0"));
    const first = next("default/small", (r) => r.outcome === "Applied");
    await create("small", small.url, "bench");
    await first;
    const rounds = Number(process.env.BENCH_GITSYNC_ROUNDS ?? 40);
    const latencies: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      await small.commit(files(String(i)));
      const applied = next("default/small", (r) => r.outcome === "Applied");
      const t = performance.now();
      const res = await sync.webhook({ method: "POST", url: "/hooks/gitops/default/small", headers: { authorization: `Bearer ${token}` }, body: Buffer.from(JSON.stringify({ ref: "refs/heads/main" })) });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      await applied;
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    rows.push({ metric: "push -> applied via webhook, 20 objects, p50", value: percentile(latencies, 50), unit: "ms", target: "<= 300 ms" });
    rows.push({ metric: "push -> applied via webhook, 20 objects, p99", value: percentile(latencies, 99), unit: "ms", target: "<= 1000 ms" });

    // 1b. The same over git daemon (ls-remote and a real fetch each time).
    const daemon = await startGitDaemon(small.root);
    try {
      await client.patch(gitrepositories, "default", "small", { spec: { url: daemon.url("repo.git") } }, "merge");
      await next("default/small", (r) => r.outcome === "Applied" || r.outcome === "Unchanged");
      const overDaemon: number[] = [];
      for (let i = 1; i <= Math.max(10, rounds / 2); i++) {
        await small.commit(files(`d${i}`));
        const applied = next("default/small", (r) => r.outcome === "Applied");
        const t = performance.now();
        await sync.webhook({ method: "POST", url: "/hooks/gitops/default/small", headers: { authorization: `Bearer ${token}` }, body: Buffer.alloc(0) });
        await applied;
        overDaemon.push(performance.now() - t);
      }
      overDaemon.sort((a, b) => a - b);
      rows.push({ metric: "same over git daemon (ls-remote + fetch), p50", value: percentile(overDaemon, 50), unit: "ms", target: "(informative)" });
      rows.push({ metric: "same over git daemon (ls-remote + fetch), p99", value: percentile(overDaemon, 99), unit: "ms", target: "(informative)" });
      await client.patch(gitrepositories, "default", "small", { spec: { url: small.url } }, "merge");
      await next("default/small", (r) => r.outcome === "Applied" || r.outcome === "Unchanged");
    } finally {
      await daemon.stop();
    }

    // 2. Re-check of an unchanged revision (ls-remote, skip, drift check of 20 objects).
    const rechecks: number[] = [];
    for (let i = 0; i < 30; i++) {
      const done = next("default/small", () => true);
      sync.trigger("default", "small");
      const { result, ms } = await done;
      if (result.outcome !== "Unchanged") throw new Error(`expected Unchanged, got ${result.outcome}`);
      rechecks.push(ms);
    }
    rechecks.sort((a, b) => a - b);
    rows.push({ metric: "re-check of an unchanged revision (20 objects), p50", value: percentile(rechecks, 50), unit: "ms", target: "<= 20 ms" });

    // 3. A 1,000-manifest repository applied from scratch.
    const n = Number(process.env.BENCH_GITSYNC_OBJECTS ?? 1000);
    await big.commit(Object.fromEntries(Array.from({ length: n }, (_, i) => [`cms/cm-${i}.yaml`, cm(`big-${i}`, "1")])));
    const bigApplied = next("default/big", (r) => r.outcome === "Applied" || r.outcome === "Invalid");
    const t = performance.now();
    await create("big", big.url);
    const { result } = await bigApplied;
    if (result.outcome !== "Applied") throw new Error(`1,000 manifests: ${result.outcome}`);
    rows.push({ metric: `${n} manifests applied from scratch`, value: (performance.now() - t) / 1000, unit: "s", target: "<= 5 s" });
  } finally {
    await sync.stop();
    await server.stop();
    small.cleanup();
    big.cleanup();
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return rows;
}
