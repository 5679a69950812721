// `npm run bench -- gitsync`: git-sync against a real API server process (SQLite, no other
// controllers) and real git repositories on disk. Push -> applied through the webhook for a
// 20-object commit (p50/p99), a 1,000-manifest repository applied from scratch, and the re-check
// of an unchanged revision; then the scale rows of gitsync-scale.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { pino } from "pino";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitRepository } from "../../api/gitops";
import { RestClient, gitrepositories, secrets, type ApiClient } from "../../client";
import { startGitSync, type GitSync } from "../../controlplane/gitsync";
import type { ReconcileResult } from "../../controlplane/gitsync/reconcile";
import { createTestRepo, startGitDaemon, type TestRepo } from "../fixtures/git";
import { startTestServer } from "../fixtures/server";
import { Registry } from "prom-client";
import type { Bench, Outcome } from "./gitsync-bench";
import { kustomizeOneChange, manyRepositories } from "./gitsync-scale";
import { percentile, type BenchRow } from "./table";

const cm = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;

const files = (v: string) => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`apps/cm-${i}.yaml`, cm(`small-${i}`, v)]));

export async function benchGitsync(): Promise<BenchRow[]> {
  const server = await startTestServer({ args: ["--disable-controllers", "all"] });
  const client = RestClient.fromKubeconfig(server.kubeconfig);
  const cacheDir = mkdtempSync(join(tmpdir(), "bench-gitsync-"));
  const small = await createTestRepo();
  const big = await createTestRepo();
  const kustomize = await createTestRepo();
  const many = await createTestRepo();
  const metrics = new Registry();
  const waiters = new Map<string, (r: Outcome) => void>();
  const sync = startGitSync({
    client,
    ...(process.env.BENCH_GITSYNC_LOG ? { logger: pino({ level: "info" }, pino.destination(2)) } : {}),
    cacheDir,
    metrics,
    healthPollMs: 3_600_000,
    onReconciled: (key, result, ms) => waiters.get(key)?.({ result, ms }),
  });
  const bench: Bench = {
    client,
    sync,
    small,
    big,
    kustomize,
    many,
    resource: gitrepositories,
    token: "bench-token",
    rounds: Number(process.env.BENCH_GITSYNC_ROUNDS ?? 40),
    next: (key, pred) =>
      new Promise<Outcome>((resolve) =>
        waiters.set(key, (r) => {
          if (pred(r.result)) {
            waiters.delete(key);
            resolve(r);
          }
        }),
      ),
    create: (name, url, secret) =>
      client.create(gitrepositories, "default", {
        apiVersion: "gitops.kubelab.io/v1alpha1",
        kind: "GitRepository",
        metadata: { name, namespace: "default" },
        spec: { url, branch: "main", interval: "1h", ...(secret ? { secretRef: { name: secret } } : {}) },
      } as GitRepository),
  };
  try {
    return [
      ...(await pushViaWebhook(bench)),
      ...(await overGitDaemon(bench)),
      ...(await rechecks(bench)),
      ...(await bigRepository(bench)),
      ...(await kustomizeOneChange(bench, metrics)),
      ...(await manyRepositories(bench)),
    ];
  } finally {
    await sync.stop();
    await server.stop();
    small.cleanup();
    big.cleanup();
    kustomize.cleanup();
    many.cleanup();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** 1. Push -> applied through the webhook, 20 objects changed per commit. */
async function pushViaWebhook(b: Bench): Promise<BenchRow[]> {
  await b.client.create(secrets, "default", { apiVersion: "v1", kind: "Secret", metadata: { name: "bench" }, data: { webhookToken: Buffer.from(b.token).toString("base64") } });
  await b.small.commit(files("0"));
  const first = b.next("default/small", (r) => r.outcome === "Applied");
  await b.create("small", b.small.url, "bench");
  await first;
  const latencies: number[] = [];
  for (let i = 1; i <= b.rounds; i++) {
    await b.small.commit(files(String(i)));
    const applied = b.next("default/small", (r) => r.outcome === "Applied");
    const t = performance.now();
    const res = await b.sync.webhook({ method: "POST", url: "/hooks/gitops/default/small", headers: { authorization: `Bearer ${b.token}` }, body: Buffer.from(JSON.stringify({ ref: "refs/heads/main" })) });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    await applied;
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, c) => a - c);
  return [
    { metric: "push -> applied via webhook, 20 objects, p50", value: percentile(latencies, 50), unit: "ms", target: "<= 300 ms" },
    { metric: "push -> applied via webhook, 20 objects, p99", value: percentile(latencies, 99), unit: "ms", target: "<= 1000 ms" },
  ];
}

/** 1b. The same over git daemon (ls-remote and a real fetch each time). */
async function overGitDaemon(b: Bench): Promise<BenchRow[]> {
  const daemon = await startGitDaemon(b.small.root);
  try {
    await b.client.patch(gitrepositories, "default", "small", { spec: { url: daemon.url("repo.git") } }, "merge");
    await b.next("default/small", (r) => r.outcome === "Applied" || r.outcome === "Unchanged");
    const overDaemon: number[] = [];
    for (let i = 1; i <= Math.max(10, b.rounds / 2); i++) {
      await b.small.commit(files(`d${i}`));
      const applied = b.next("default/small", (r) => r.outcome === "Applied");
      const t = performance.now();
      await b.sync.webhook({ method: "POST", url: "/hooks/gitops/default/small", headers: { authorization: `Bearer ${b.token}` }, body: Buffer.alloc(0) });
      await applied;
      overDaemon.push(performance.now() - t);
    }
    overDaemon.sort((a, c) => a - c);
    await b.client.patch(gitrepositories, "default", "small", { spec: { url: b.small.url } }, "merge");
    await b.next("default/small", (r) => r.outcome === "Applied" || r.outcome === "Unchanged");
    return [
      { metric: "same over git daemon (ls-remote + fetch), p50", value: percentile(overDaemon, 50), unit: "ms", target: "(informative)" },
      { metric: "same over git daemon (ls-remote + fetch), p99", value: percentile(overDaemon, 99), unit: "ms", target: "(informative)" },
    ];
  } finally {
    await daemon.stop();
  }
}

/** 2. Re-check of an unchanged revision (ls-remote, skip, drift check of 20 objects). */
async function rechecks(b: Bench): Promise<BenchRow[]> {
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const done = b.next("default/small", () => true);
    b.sync.trigger("default", "small");
    const { result, ms } = await done;
    if (result.outcome !== "Unchanged") throw new Error(`expected Unchanged, got ${result.outcome}`);
    times.push(ms);
  }
  times.sort((a, c) => a - c);
  return [{ metric: "re-check of an unchanged revision (20 objects), p50", value: percentile(times, 50), unit: "ms", target: "<= 20 ms" }];
}

/** 3. A 1,000-manifest repository applied from scratch. */
async function bigRepository(b: Bench): Promise<BenchRow[]> {
  const n = Number(process.env.BENCH_GITSYNC_OBJECTS ?? 1000);
  await b.big.commit(Object.fromEntries(Array.from({ length: n }, (_, i) => [`cms/cm-${i}.yaml`, cm(`big-${i}`, "1")])));
  const bigApplied = b.next("default/big", (r) => r.outcome === "Applied" || r.outcome === "Invalid");
  const t = performance.now();
  await b.create("big", b.big.url);
  const { result } = await bigApplied;
  if (result.outcome !== "Applied") throw new Error(`1,000 manifests: ${result.outcome}`);
  return [{ metric: `${n} manifests applied from scratch`, value: (performance.now() - t) / 1000, unit: "s", target: "<= 5 s" }];
}
