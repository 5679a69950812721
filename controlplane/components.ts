// The control loops that run inside `kubelab server` beside the API server: scheduler,
// controllers and git-sync. They reach the API server only over HTTP, like any client.
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { EventRecorder, gitrepositories, RestClient } from "../client";
import { undiciEngine } from "../client/undici-engine";
import { SharedInformers } from "../client/informer-factory";
import { CONTROLLER_NAMES } from "./controllers/names";
import type { ExtraHandler } from "./apiserver/server";
import type { ServerOptions } from "./options";
import { informersOutlivingTerms, LEASE_NAMES, runLeaderElected, type Term } from "./leader";

export interface ComponentContext {
  apiUrl: string;
  token?: string;
  /** Each component's own user's token (apiserver/bootstrap/rbac-components.ts); else `token`. */
  componentTokens?: Partial<Record<"scheduler" | "controllerManager" | "gitSync", string>>;
  caData?: string;
  options: ServerOptions;
  logger: Logger;
  /** The process's metrics registry (served on /metrics by the API server). */
  metrics: Registry;
  signal: AbortSignal;
  addHandler(h: ExtraHandler): void;
}

/** Everything --disable-controllers can name. */
export const COMPONENT_NAMES = [...CONTROLLER_NAMES, "gitsync"] as const;

export function isEnabled(disabled: string[], name: string): boolean {
  return !disabled.includes("all") && !disabled.includes(name);
}

type Stop = () => Promise<void> | void;

/** Starts what is enabled; returns the functions that stop them. */
export async function startComponents(ctx: ComponentContext): Promise<Stop[]> {
  const disabled = ctx.options.disableControllers;
  for (const name of disabled) {
    if (name !== "all" && !(COMPONENT_NAMES as readonly string[]).includes(name)) {
      throw new Error(`--disable-controllers: unknown name ${JSON.stringify(name)}; known: all, ${COMPONENT_NAMES.join(", ")}`);
    }
  }
  const client = clientFor(ctx, "kubelab-controller-manager", "controllerManager");
  // Every informer and worker listens on the one signal.
  setMaxListeners(0, ctx.signal);
  // One cache per resource for the scheduler and the controllers (the pod cache is the big one).
  // They outlive leader terms: a term's loops stop, the caches stay warm for the next one.
  const informers = informersOutlivingTerms(new SharedInformers(client, ctx.logger.child({ component: "informers" })), ctx.signal);
  const stops: Stop[] = [];
  // Each component leads its own Lease in kube-system (controlplane/leader.ts; off: always runs).
  const elected = (lease: string, as: "scheduler" | "controllerManager" | "gitSync", start: (t: Term) => Promise<Stop>) =>
    runLeaderElected({ client: clientFor(ctx, `kubelab-leader-election/${lease}`, as), lease, election: ctx.options.leaderElection, logger: ctx.logger, metrics: ctx.metrics, signal: ctx.signal, addHandler: ctx.addHandler, start });
  const inTerm = (t: Term): ComponentContext => ({ ...ctx, signal: t.signal, addHandler: t.addHandler });
  if (isEnabled(disabled, "scheduler")) stops.push(await elected(LEASE_NAMES.scheduler, "scheduler", (t) => startScheduler(inTerm(t), informers, t)));
  if (CONTROLLER_NAMES.some((n) => n !== "scheduler" && isEnabled(disabled, n))) {
    stops.push(await elected(LEASE_NAMES.controllerManager, "controllerManager", (t) => startControllerManager(inTerm(t), t.guard(client), informers)));
  }
  if (isEnabled(disabled, "gitsync")) stops.push(await elected(LEASE_NAMES.gitSync, "gitSync", (t) => startGitSyncComponent(inTerm(t), t)));
  return stops;
}

function clientFor(ctx: ComponentContext, userAgent: string, as?: keyof NonNullable<ComponentContext["componentTokens"]>): RestClient {
  const token = (as && ctx.componentTokens?.[as]) || ctx.token;
  // undici: the components' rate is their calls (client/http-engine.ts).
  return new RestClient({ server: ctx.apiUrl, token, caData: ctx.caData }, { userAgent, engine: undiciEngine });
}

/** The scheduler, as its own component (kube-scheduler is not part of the controller manager). */
async function startScheduler(ctx: ComponentContext, informers: SharedInformers, term: Term): Promise<Stop> {
  const { Scheduler, DEFAULT_SCHEDULER_NAME } = await import("./scheduler/scheduler");
  const client = term.guard(clientFor(ctx, "kubelab-scheduler", "scheduler"));
  const logger = ctx.logger.child({ component: "scheduler" });
  const recorder = new EventRecorder({ client, component: DEFAULT_SCHEDULER_NAME, logger });
  const scheduler = new Scheduler({ client, informers, recorder, logger, metrics: ctx.metrics });
  informers.start(ctx.signal);
  // Decisions start once the caches hold the first lists (as Kubernetes' WaitForCacheSync).
  await informers.waitForSync(ctx.signal);
  const done = scheduler.run(ctx.signal);
  return () => done;
}

async function startControllerManager(ctx: ComponentContext, client: RestClient, informers: SharedInformers): Promise<Stop> {
  // Loaded only when some controller runs, so `--disable-controllers all` needs none of them.
  const { startControllers } = await import("./controllers");
  const running = await startControllers({
    client,
    informers,
    logger: ctx.logger.child({ component: "controller-manager" }),
    metrics: ctx.metrics,
    signal: ctx.signal,
    // The scheduler runs beside the controller manager (startScheduler above), not inside it.
    disabled: [...ctx.options.disableControllers.filter((n) => n !== "gitsync"), "scheduler"],
    options: {
      nodeMonitorGracePeriodSeconds: ctx.options.nodeMonitorGracePeriodSeconds,
      defaultUnreachableTolerationSeconds: ctx.options.defaultUnreachableTolerationSeconds,
      allocateNodeCIDRs: ctx.options.allocateNodeCIDRs,
      clusterCIDR: ctx.options.clusterCIDR,
      nodeCIDRMaskSize: ctx.options.nodeCIDRMaskSize,
      maxEndpointsPerSlice: ctx.options.maxEndpointsPerSlice,
      rootCA: ctx.options.rootCAFile ? readFileSync(ctx.options.rootCAFile, "utf8") : undefined,
      hpaSyncPeriodMs: ctx.options.hpaSyncPeriodMs,
      hpaDownscaleStabilizationMs: ctx.options.hpaDownscaleStabilizationMs,
      clusterSigning: ctx.options.clusterSigning,
    },
  });
  return () => running.done;
}

async function startGitSyncComponent(ctx: ComponentContext, term: Term): Promise<Stop> {
  const client = term.guard(clientFor(ctx, "kubelab-gitsync", "gitSync"));
  const { startGitSync, ensureGitRepositoryFromFlag, ensureGitopsRepoAccount } = await import("./gitsync");
  const defaultWebhookToken = ctx.options.gitopsWebhookTokenFile
    ? readFileSync(ctx.options.gitopsWebhookTokenFile, "utf8").trim()
    : undefined;
  const gitsync = startGitSync({
    client,
    logger: ctx.logger.child({ component: "gitsync" }),
    cacheDir: join(ctx.options.dataDir, "gitsync"),
    metrics: ctx.metrics,
    signal: ctx.signal,
    defaultWebhookToken,
  });
  ctx.addHandler(gitsync.httpHandler);
  if (ctx.options.gitopsRepo) {
    // git-sync itself may only impersonate: the repository's account is made as the server's admin.
    await ensureGitopsRepoAccount(term.guard(clientFor(ctx, "kubelab-gitops-bootstrap")));
    const repo = await ensureGitRepositoryFromFlag(client, ctx.options.gitopsRepo);
    const selfHeal = ctx.options.gitopsSelfHeal ?? true;
    if ((repo.spec.selfHeal ?? true) !== selfHeal) {
      await client.patch(gitrepositories, "default", "lab", { spec: { selfHeal } }, "merge");
    }
  }
  return () => gitsync.stop();
}
