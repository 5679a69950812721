// Leader election for the components of `kubelab server` (components.ts): the scheduler, the
// controller manager and git-sync each hold their own Lease in kube-system, and run their loops
// only while they lead, each term under a fresh AbortSignal. Their writes go through a client
// that refuses every write unless the elector says "leading" at that moment, so a process woken
// from SIGSTOP past its renew deadline writes nothing before its loops have seen the abort.
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { Gauge } from "prom-client";
import type { ApiClient, RestClient } from "../client";
import { LeaderElector } from "../client/leaderelection";
import type { SharedInformers } from "../client/informer-factory";
import type { ExtraHandler } from "./apiserver/server";

export interface LeaderElectionOptions {
  /** --leader-elect (default: on with --store etcd, off with SQLite). */
  enabled: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const LEADER_ELECTION_NAMESPACE = "kube-system";
export const LEASE_NAMES = { scheduler: "kube-scheduler", controllerManager: "kube-controller-manager", gitSync: "kubelab-gitsync" } as const;

type Stop = () => Promise<void> | void;

/** What a component gets for one term. */
export interface Term {
  signal: AbortSignal;
  /** The client with writes refused unless this component leads right now. */
  guard<T extends ApiClient>(client: T): T;
  /** Registers an HTTP handler for this term only (not served while another server leads). */
  addHandler(h: ExtraHandler): void;
}

export interface LeaderElectedOptions {
  /** The client the elector writes its Lease with (the component's own identity). */
  client: RestClient;
  lease: string;
  election?: LeaderElectionOptions;
  logger: Logger;
  metrics: Registry;
  signal: AbortSignal;
  addHandler(h: ExtraHandler): void;
  /** Starts the component's loops for one term; the Stop waits for them to end. */
  start(term: Term): Promise<Stop>;
}

/** client-go's identity: the host name and something unique (here also the pid, for logs). */
export const leaderIdentity = (): string => `${hostname()}_${process.pid}_${randomUUID().slice(0, 8)}`;

const WRITES = new Set(["create", "update", "updateStatus", "putSubresource", "patchSubresource", "patch", "delete", "createBinding"]);

/** A client whose writes fail (and whose raw non-GET calls fail) unless leading() says yes. */
export function guardWrites<T extends ApiClient>(client: T, leading: () => boolean, lease: string): T {
  const refuse = () => Promise.reject(new Error(`not the leader of lease kube-system/${lease}: write refused`));
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const name = String(prop);
      if (WRITES.has(name)) return (...args: unknown[]) => (leading() ? (value as (...a: unknown[]) => unknown).apply(target, args) : refuse());
      if (name === "raw") return (method: string, ...rest: unknown[]) => (method === "GET" || leading() ? (value as (...a: unknown[]) => unknown).apply(target, [method, ...rest]) : refuse());
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/**
 * The shared informers as every term sees them: started under the process's signal whatever
 * signal a term passes, so caches survive a lost term and serve the next one.
 */
export function informersOutlivingTerms(informers: SharedInformers, signal: AbortSignal): SharedInformers {
  informers.start(signal);
  const view = Object.create(informers) as SharedInformers;
  view.start = () => informers.start(signal);
  return view;
}

function leaderGauge(metrics: Registry): Gauge<"name"> {
  const existing = metrics.getSingleMetric("leader_election_master_status") as Gauge<"name"> | undefined;
  return existing ?? new Gauge({ name: "leader_election_master_status", help: "1 while this process leads the lease, else 0 (client-go's metric).", labelNames: ["name"], registers: [metrics] });
}

/** Runs opts.start per term while leading; without election, once under the process's signal. */
export async function runLeaderElected(opts: LeaderElectedOptions): Promise<Stop> {
  if (!opts.election?.enabled) {
    return opts.start({ signal: opts.signal, guard: (c) => c, addHandler: opts.addHandler });
  }
  const e = opts.election;
  const gauge = leaderGauge(opts.metrics);
  gauge.set({ name: opts.lease }, 0);
  let handler: ExtraHandler | undefined;
  let current: { ctrl: AbortController; stopped: Promise<void> } | undefined;
  const logger = opts.logger.child({ component: "leader-election" });
  const elector: LeaderElector = new LeaderElector({
    client: opts.client,
    namespace: LEADER_ELECTION_NAMESPACE,
    name: opts.lease,
    identity: leaderIdentity(),
    leaseDurationMs: e.leaseDurationMs,
    renewDeadlineMs: e.renewDeadlineMs,
    retryPeriodMs: e.retryPeriodMs,
    logger,
    onStartedLeading: (termSignal) => {
      gauge.set({ name: opts.lease }, 1);
      const ctrl = new AbortController();
      const signal = AbortSignal.any([termSignal, opts.signal, ctrl.signal]);
      const term: Term = { signal, guard: (c) => guardWrites(c, () => !signal.aborted && elector.isLeader(), opts.lease), addHandler: (h) => (handler = h) };
      const stopped = opts.start(term).then(
        async (stop) => {
          await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener("abort", () => r(), { once: true })));
          await stop();
        },
        (err: Error) => {
          if (!signal.aborted) logger.error({ err: err.message }, "leader election: the component failed to start its term");
        },
      );
      current = { ctrl, stopped };
    },
    onStoppedLeading: () => {
      gauge.set({ name: opts.lease }, 0);
      handler = undefined;
    },
  });
  opts.addHandler(async (req, res, url) => {
    if (handler) return handler(req, res, url);
    return false;
  });
  const electorCtrl = new AbortController();
  const running = elector.run(electorCtrl.signal);
  return async () => {
    // The loops end first, then the Lease is released: never a successor beside a live loop.
    current?.ctrl.abort();
    await current?.stopped;
    electorCtrl.abort();
    await running;
  };
}
