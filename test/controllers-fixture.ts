// A real API server with the controller manager and the scheduler running in-process against it
// (the server's own are switched off), on one set of informers, hollow nodes, and the shared
// polling waits.
import { Registry } from "prom-client";
import type { Pod } from "../api/core";
import { EventRecorder, RestClient, pods as podsRes, type ApiClient } from "../client";
import { startControllers, type ControllerManagerOptions } from "../controlplane/controllers";
import { Scheduler } from "../controlplane/scheduler/scheduler";
import { runHollowAgents, type HollowAgents, type HollowAgentsOptions } from "../agent/hollow";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";

export interface ControllerCluster {
  server: TestServer;
  client: ApiClient;
  /** The registry the controllers record their reconcile and work-queue metrics in. */
  metrics: Registry;
  kubectl: ReturnType<typeof kubectlFor>;
  /** Starts (or restarts after stopControllers) the controllers against the server. */
  startControllers(): Promise<void>;
  stopControllers(): Promise<void>;
  addNodes(opts: Partial<HollowAgentsOptions>): Promise<HollowAgents>;
  pods(namespace?: string): Promise<Pod[]>;
  stop(): Promise<void>;
}

/** What the fixture runs: the controller manager's options, and how often the scheduler retries an unschedulable pod. */
export type ControllerClusterOptions = ControllerManagerOptions & { schedulerRetryMs?: number };

export async function startControllerCluster(options: ControllerClusterOptions = {}, serverArgs: string[] = []): Promise<ControllerCluster> {
  const server = await startTestServer({ args: ["--disable-controllers", "all", ...serverArgs] });
  const client = RestClient.fromKubeconfig(server.kubeconfig);
  const agents: HollowAgents[] = [];
  const metrics = new Registry();
  const main = new AbortController();
  let ctl: { abort: AbortController; done: Promise<void> } | undefined;
  const cluster: ControllerCluster = {
    server,
    client,
    metrics,
    kubectl: kubectlFor(server.kubeconfig),
    async startControllers() {
      const abort = new AbortController();
      const { schedulerRetryMs = 2000, ...managerOptions } = options;
      const running = await startControllers({ client, signal: abort.signal, metrics, options: managerOptions });
      const scheduler = new Scheduler({
        client,
        informers: running.informers,
        recorder: new EventRecorder({ client, component: "default-scheduler" }),
        retryUnschedulableMs: schedulerRetryMs,
      });
      const scheduled = scheduler.run(abort.signal);
      ctl = { abort, done: Promise.all([running.done, scheduled]).then(() => undefined) };
    },
    async stopControllers() {
      if (!ctl) return;
      ctl.abort.abort();
      await ctl.done;
      ctl = undefined;
    },
    async addNodes(opts) {
      const a = await runHollowAgents({ client, signal: main.signal, heartbeatIntervalMs: 1000, nodeStatusIntervalMs: 2000, ...opts });
      agents.push(a);
      return a;
    },
    async pods(namespace = "default") {
      return (await client.list<Pod>(podsRes, namespace)).items;
    },
    async stop() {
      await cluster.stopControllers().catch(() => undefined);
      main.abort();
      await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
      await server.stop();
    },
  };
  await cluster.startControllers();
  return cluster;
}

// The one polling wait of the test suite, re-exported so the controller tests import one module.
export { consistently, eventually } from "./fixtures/wait";

export const isRunningReady = (p: Pod) =>
  p.status?.phase === "Running" && !p.metadata?.deletionTimestamp && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");

export const NGINX_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;
