// What one sync of a pod must do, decided from the pod and what Docker shows, without doing any of
// it (the kubelet's computePodActions). Pure: the executor (pod-sync.ts) carries the actions out.
//   - a pod being deleted: kill everything with its grace period, then report it terminated;
//   - a finished pod (restartPolicy Never/OnFailure, every container done): stop its sandbox;
//   - otherwise: a new sandbox when none runs (every container then starts again in it), the
//     first unfinished init container, or else per app container: keep, kill (probe failure, spec
//     changed), start (restart policy), or wait out CrashLoopBackOff.
// The back-off decision is made here, in one place (`restartDecision`), for init and app
// containers alike.
import type { RuntimeContainer } from "./runtime/docker";
import { containerHash } from "./runtime/labels";
import { ephemeralToStart, type EphemeralStart } from "./ephemeral";
import { currentSandbox, latestByName } from "./status";
import type { Container } from "../api/core";
import type { Pod } from "./types";

/** How many dead containers per container name are kept (the latest one feeds --previous). */
export const KEEP_DEAD = 2;

/** What computePodActions reads of the CrashLoopBackOff state (Backoff implements it). */
export interface BackoffView {
  /** Milliseconds still to wait when the last failure was at sinceMs; 0 when free to retry. */
  remaining(key: string, sinceMs: number): number;
  /** The current delay for key, if it has failed before. */
  delay(key: string): number | undefined;
}

export interface PodActionsInput {
  pod: Pod;
  /** Every container of the pod's uid in Docker (sandboxes included). */
  containers: RuntimeContainer[];
  /** Container id -> why its liveness or startup probe failed. */
  unhealthy: ReadonlyMap<string, string>;
  crashBackoff: BackoffView;
}

export interface SandboxAction {
  /** Attempt number of the new sandbox (the old one's + 1). */
  attempt: number;
  /** Running app containers of the old sandbox: stopped first, then started again without back-off. */
  stopFirst: RuntimeContainer[];
  /** The old sandbox, removed before the new one is created. */
  removeOld?: RuntimeContainer;
}

export interface StartAction {
  attempt: number;
  /** An earlier attempt existed: starting counts as a restart (the back-off grows). */
  restart: boolean;
}

export interface BackoffWait {
  delayMs: number;
  remainingMs: number;
}

/** The first init container that has not succeeded yet, and what to do about it. */
export type InitAction =
  | { spec: Container; kind: "wait" }
  | { spec: Container; kind: "backoff"; backoff: BackoffWait }
  | { spec: Container; kind: "start"; start: StartAction };

export interface ContainerAction {
  spec: Container;
  /** Dead containers beyond the ones kept for logs. */
  removeDead: RuntimeContainer[];
  /** A running container to kill first, and the event message saying why. */
  kill?: { container: RuntimeContainer; message: string };
  /** Start the next attempt (after the kill, if any). */
  start?: StartAction;
  /** The restart waits for CrashLoopBackOff. */
  backoff?: BackoffWait;
  /** Running as it should, or done for good: whatever it waited on is over. */
  clearWaiting?: boolean;
}

export type PodActions =
  | { kind: "kill"; containers: RuntimeContainer[]; gracePeriodSeconds: number }
  | { kind: "terminated" }
  | { kind: "finished"; stopSandbox?: RuntimeContainer }
  | {
      kind: "sync";
      /** The running sandbox (absent when createSandbox replaces it). */
      sandbox?: RuntimeContainer;
      createSandbox?: SandboxAction;
      /** When set, app containers wait: containers is empty. */
      init?: InitAction;
      containers: ContainerAction[];
      /** Ephemeral containers to start in the running sandbox (agent/ephemeral.ts). */
      ephemeral?: EphemeralStart[];
    };

export function crashKey(pod: Pod, name: string): string {
  return `${pod.metadata.uid}/${name}`;
}

function finishedAtMs(c: RuntimeContainer): number {
  return c.finishedAt ? Date.parse(c.finishedAt) : c.created * 1000;
}

/** Restart now, or wait out CrashLoopBackOff: the one place that decides. */
function restartDecision(pod: Pod, latest: RuntimeContainer, backoff: BackoffView): { start: StartAction } | { backoff: BackoffWait } {
  const key = crashKey(pod, latest.container);
  const remainingMs = backoff.remaining(key, finishedAtMs(latest));
  if (remainingMs > 0) return { backoff: { delayMs: backoff.delay(key) ?? 0, remainingMs } };
  return { start: { attempt: latest.attempt + 1, restart: true } };
}

/** Every app container has exited for good under the pod's restart policy. */
export function podFinished(pod: Pod, containers: RuntimeContainer[]): boolean {
  const policy = pod.spec.restartPolicy ?? "Always";
  if (policy === "Always") return false;
  return pod.spec.containers.every((spec) => {
    const latest = latestByName(containers, spec.name)[0];
    if (!latest || latest.state !== "exited") return false;
    return policy === "Never" || (latest.exitCode ?? 0) === 0;
  });
}

function initAction(pod: Pod, containers: RuntimeContainer[], backoff: BackoffView): InitAction | undefined {
  for (const spec of pod.spec.initContainers ?? []) {
    const latest = latestByName(containers, spec.name)[0];
    if (latest?.state === "exited" && (latest.exitCode ?? 0) === 0) continue;
    if (!latest) return { spec, kind: "start", start: { attempt: 0, restart: false } };
    // Running: wait for it. Failed under Never: the pod has failed.
    if (latest.state !== "exited" || (pod.spec.restartPolicy ?? "Always") === "Never") return { spec, kind: "wait" };
    const decision = restartDecision(pod, latest, backoff);
    return "start" in decision ? { spec, kind: "start", start: decision.start } : { spec, kind: "backoff", backoff: decision.backoff };
  }
  return undefined;
}

function containerAction(input: PodActionsInput, spec: Container): ContainerAction {
  const { pod, containers, unhealthy, crashBackoff } = input;
  const policy = pod.spec.restartPolicy ?? "Always";
  const history = latestByName(containers, spec.name);
  const latest = history[0];
  const action: ContainerAction = { spec, removeDead: history.slice(KEEP_DEAD).filter((c) => c.state !== "running") };
  if (!latest) return { ...action, start: { attempt: 0, restart: false } };
  if (latest.state === "running") {
    const reason = unhealthy.get(latest.id);
    const changed = latest.hash !== undefined && latest.hash !== containerHash(spec);
    if (!reason && !changed) return { ...action, clearWaiting: true };
    action.kill = {
      container: latest,
      message: reason ? `Container ${spec.name} failed ${reason}, will be restarted` : `Container ${spec.name} definition changed, will be restarted`,
    };
    // Kubernetes starts the next attempt right after the kill (no back-off for a kill).
    if (changed || policy !== "Never") action.start = { attempt: latest.attempt + 1, restart: true };
    return action;
  }
  const restart = policy === "Always" || (policy === "OnFailure" && (latest.exitCode ?? 0) !== 0);
  if (!restart) return { ...action, clearWaiting: true };
  return { ...action, ...restartDecision(pod, latest, crashBackoff) };
}

/** The sandbox that replaces a dead or missing one; the containers then start again in it. */
function sandboxAction(containers: RuntimeContainer[], old: RuntimeContainer | undefined): SandboxAction {
  return {
    attempt: old ? old.attempt + 1 : 0,
    stopFirst: containers.filter((c) => c.state === "running" && !c.isSandbox),
    removeOld: old,
  };
}

export function computePodActions(input: PodActionsInput): PodActions {
  const { pod } = input;
  let containers = input.containers;
  if (pod.metadata.deletionTimestamp) {
    if (containers.length === 0) return { kind: "terminated" };
    const gracePeriodSeconds = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    return { kind: "kill", containers, gracePeriodSeconds };
  }
  // Finished pods keep their containers (for logs) but not their sandbox.
  if (podFinished(pod, containers)) {
    const sandbox = currentSandbox(containers);
    return { kind: "finished", stopSandbox: sandbox?.state === "running" ? sandbox : undefined };
  }
  const latestSandbox = currentSandbox(containers);
  const sandbox = latestSandbox?.state === "running" ? latestSandbox : undefined;
  const createSandbox = sandbox ? undefined : sandboxAction(containers, latestSandbox);
  let crashBackoff = input.crashBackoff;
  if (createSandbox && createSandbox.stopFirst.length > 0) {
    // The old sandbox's containers die with it: decide as if they had exited, without back-off.
    const stopped = new Set(createSandbox.stopFirst);
    const fresh = new Set(createSandbox.stopFirst.map((c) => crashKey(pod, c.container)));
    containers = containers.map((c) => (stopped.has(c) ? { ...c, state: "exited" as const } : c));
    const outer = crashBackoff;
    crashBackoff = {
      remaining: (key, since) => (fresh.has(key) ? 0 : outer.remaining(key, since)),
      delay: (key) => (fresh.has(key) ? undefined : outer.delay(key)),
    };
  }
  const view = { ...input, containers, crashBackoff };
  const ephemeral = sandbox ? ephemeralToStart(pod, containers) : [];
  const init = initAction(pod, containers, crashBackoff);
  if (init) return { kind: "sync", sandbox, createSandbox, init, containers: [], ephemeral };
  return { kind: "sync", sandbox, createSandbox, containers: pod.spec.containers.map((spec) => containerAction(view, spec)), ephemeral };
}
