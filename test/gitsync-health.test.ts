// Health through git-sync on a real cluster (the real server's Job and StatefulSet controllers, a
// real agent on Docker, real git): a StatefulSet whose pod runs but is not ready keeps the
// repository Reconciling (Ready Unknown) naming it, until the pod is ready and the repository is
// Ready; a Job that fails makes the repository Degraded (Ready False, Stalled) naming the Job.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitRepository } from "../api/gitops";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { RestClient, gitrepositories, namespaces, pods, rolebindings, serviceaccounts } from "../client";
import { startGitSync, type GitSync } from "../controlplane/gitsync";
import { ensureImages } from "./fixtures/docker";
import { createTestRepo, type TestRepo } from "./fixtures/git";
import { startTestServer, type TestServer } from "./fixtures/server";
import { consistently, eventually } from "./fixtures/wait";

const id = randomBytes(3).toString("hex");
const NS = `gsh-${id}`;
const ADDRESS = "127.0.0.163";
const DEPLOYER = `deployer-${id}`;
let server: TestServer;
let agent: TestAgent;
let client: RestClient;
let sync: GitSync;
let cacheDir: string;
let gate: string;
const repos: TestRepo[] = [];

// The pod turns ready only once the test creates <gate>/ready on the host (a hostPath volume).
const statefulSet = () => `apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${NS}}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: ${NS}}
spec:
  serviceName: web
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app
        image: kubelab/busybox:1.36
        command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
        readinessProbe:
          exec: {command: ["test", "-f", "/gate/ready"]}
          periodSeconds: 1
        volumeMounts: [{name: gate, mountPath: /gate}]
      volumes:
      - name: gate
        hostPath: {path: ${gate}, type: Directory}
`;

const failingJob = `apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: ${NS}}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 0
      containers:
      - name: migrate
        image: kubelab/busybox:1.36
        command: ["sh", "-c", "echo schema is broken; exit 3"]
`;

beforeAll(async () => {
  await ensureImages();
  gate = mkdtempSync(join(tmpdir(), "kubelab-gsh-gate-"));
  server = await startTestServer({ secure: true, args: ["--disable-controllers", "gitsync"] });
  client = RestClient.fromKubeconfig(server.kubeconfig);
  agent = await startTestAgent({ address: ADDRESS, server, args: ["--pod-cidr", "10.244.163.0/24", "--node-status-update-frequency", "1s"] });
  // The gate is a hostPath volume, which Pod Security's baseline level refuses: the namespace is privileged.
  await client.create(namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "privileged" } } });
  // git-sync applies as the repository's ServiceAccount: default/deployer, admin in NS.
  await client.create(serviceaccounts, "default", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: DEPLOYER, namespace: "default" } });
  await client.create(rolebindings, NS, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "deployer-admin", namespace: NS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
    subjects: [{ kind: "ServiceAccount", name: DEPLOYER, namespace: "default" }],
  });
  cacheDir = mkdtempSync(join(tmpdir(), "gitsync-health-"));
  sync = startGitSync({ client, cacheDir, healthPollMs: 300 });
}, 90_000);

afterAll(async () => {
  await sync?.stop();
  await agent?.cleanup();
  await server?.stop();
  for (const r of repos) r.cleanup();
  for (const d of [cacheDir, gate]) if (d) rmSync(d, { recursive: true, force: true });
});

async function repository(name: string, files: Record<string, string>, interval: string): Promise<string> {
  const repo = await createTestRepo();
  repos.push(repo);
  const sha = await repo.commit(files);
  await client.create(gitrepositories, "default", {
    apiVersion: "gitops.kubelab.io/v1alpha1",
    kind: "GitRepository",
    metadata: { name, namespace: "default" },
    spec: { url: repo.url, branch: "main", interval, timeout: "5m", serviceAccountName: DEPLOYER },
  } as GitRepository);
  return sha;
}

const get = (name: string) => client.get<GitRepository>(gitrepositories, "default", name);
const cond = (r: GitRepository, type: string) => r.status?.conditions?.find((c) => c.type === type);
const podPhase = async (name: string) => (await client.get<{ metadata?: object; status?: { phase?: string } }>(pods, NS, name).catch(() => undefined))?.status?.phase;

describe("git-sync judges what it applied on a real cluster", () => {
  it("keeps the repository Reconciling while a StatefulSet's pod runs unready, and Ready once it is ready", async () => {
    const sha = await repository("sts", { "web.yaml": statefulSet() }, "1h");
    // Applied, its pod running (so the StatefulSet controller and the agent did their part), not ready.
    const rolling = await eventually(async () => {
      const r = await get("sts");
      return r.status?.lastAppliedRevision?.endsWith(sha) && (await podPhase("web-0")) === "Running" && cond(r, "Reconciling")?.status === "True" ? r : undefined;
    }, 60_000, "the StatefulSet applied and its pod running");
    expect(cond(rolling, "Reconciling")).toMatchObject({ reason: "Progressing", message: expect.stringContaining(`StatefulSet ${NS}/web: ready 0/1`) });
    expect(cond(rolling, "Ready")).toMatchObject({ status: "Unknown", reason: "Progressing" });
    // git-sync rechecks every 300 ms meanwhile: it stays so while the pod is not ready.
    await consistently(async () => cond(await get("sts"), "Reconciling")?.status === "True", 1_500, "still Reconciling while unready");

    writeFileSync(join(gate, "ready"), "");
    const ready = await eventually(async () => {
      const r = await get("sts");
      return cond(r, "Ready")?.status === "True" ? r : undefined;
    }, 30_000, "the repository Ready");
    expect(cond(ready, "Ready")?.message).toBe(`Applied revision: main@sha1:${sha}`);
    expect(cond(ready, "Reconciling")?.status).toBe("False");
    expect(cond(ready, "Healthy")).toMatchObject({ status: "True" });
  });

  it("makes the repository Degraded, naming the Job, when a Job it applied fails", async () => {
    // A running Job is healthy (kstatus), but git-sync keeps rechecking it until it ends: the
    // failure is seen at once, not at the next interval (an hour here).
    const sha = await repository("job", { "job.yaml": failingJob }, "1h");
    const degraded = await eventually(async () => {
      const r = await get("job");
      return r.status?.lastAppliedRevision?.endsWith(sha) && cond(r, "Ready")?.status === "False" ? r : undefined;
    }, 60_000, "the repository Degraded");
    const named = `Job ${NS}/migrate failed (BackoffLimitExceeded)`;
    expect(cond(degraded, "Ready")).toMatchObject({ reason: "HealthCheckFailed", message: expect.stringContaining(named) });
    expect(cond(degraded, "Stalled")).toMatchObject({ status: "True", reason: "HealthCheckFailed", message: expect.stringContaining(named) });
    expect(cond(degraded, "Healthy")).toMatchObject({ status: "False", reason: "Degraded", message: expect.stringContaining(named) });
    expect(cond(degraded, "Reconciling")?.status).toBe("False");
  });
});
