// A pod's status computed from what Docker says (the containers of its uid), what the agent is
// waiting on (back-off, image pull, config errors) and the probe results: phase, conditions,
// containerStatuses, podIP, hostIP, startTime. Pure, so it is tested without Docker.
import type { RuntimeContainer } from "./runtime/docker";
import type { Container, ContainerState, ContainerStatus, PodCondition, PodStatus } from "../api/core";
import type { NodeContainerStatus, NodePodStatus, Pod } from "./types";
import { rfc3339 } from "../api/time";

export interface Waiting {
  reason: string;
  message?: string;
}

export interface StatusInput {
  pod: Pod;
  /** Every container of the pod's uid in Docker (sandboxes included). */
  containers: RuntimeContainer[];
  /** container name -> why it is waiting (absent: nothing to report). */
  waiting: Map<string, Waiting>;
  /** Docker container id -> readiness (absent: no result yet). */
  ready: (containerId: string, containerName: string) => boolean;
  started: (containerId: string, containerName: string) => boolean;
  hostIP: string;
  /** The IP the pod's sandbox last had (a finished pod keeps it). */
  lastPodIP?: string;
  previous?: PodStatus;
  now: string;
}

export function latestByName(containers: RuntimeContainer[], name: string): RuntimeContainer[] {
  return containers
    .filter((c) => !c.isSandbox && c.container === name)
    .sort((a, b) => b.attempt - a.attempt || b.created - a.created);
}

export function currentSandbox(containers: RuntimeContainer[]): RuntimeContainer | undefined {
  return containers
    .filter((c) => c.isSandbox)
    .sort((a, b) => b.attempt - a.attempt || b.created - a.created)[0];
}

function terminatedState(c: RuntimeContainer): ContainerState {
  const exitCode = c.exitCode ?? 0;
  const reason = c.oomKilled ? "OOMKilled" : c.error ? "StartError" : exitCode === 0 ? "Completed" : "Error";
  return {
    terminated: {
      exitCode,
      reason,
      ...(c.error ? { message: c.error } : {}),
      startedAt: c.startedAt ?? rfc3339(c.created * 1000),
      finishedAt: c.finishedAt ?? rfc3339(c.created * 1000),
      containerID: `docker://${c.id}`,
    },
  };
}

function seconds(iso: string | undefined): string | undefined {
  // Kubernetes' metav1.Time has second precision.
  return iso ? rfc3339(Date.parse(iso)) : undefined;
}

function trimState(state: ContainerState): ContainerState {
  if (state.running) return { running: { startedAt: seconds(state.running.startedAt) } };
  if (state.terminated) {
    return {
      terminated: {
        ...state.terminated,
        startedAt: seconds(state.terminated.startedAt),
        finishedAt: seconds(state.terminated.finishedAt),
      },
    };
  }
  return state;
}

export function containerStatuses(input: StatusInput, specs: Container[] = input.pod.spec.containers, init = false): NodeContainerStatus[] {
  return specs.map((spec) => {
    const [latest, previous] = latestByName(input.containers, spec.name);
    const waiting = input.waiting.get(spec.name);
    let state: ContainerState;
    let lastState: ContainerState = previous && previous.state !== "running" ? terminatedState(previous) : {};
    if (latest?.state === "running") {
      state = { running: { startedAt: latest.startedAt } };
    } else if (waiting) {
      state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
      if (latest && latest.state === "exited") lastState = terminatedState(latest);
    } else if (latest && latest.state === "exited") {
      state = terminatedState(latest);
    } else {
      state = { waiting: { reason: "ContainerCreating" } };
    }
    const running = latest?.state === "running";
    const started = running && input.started(latest.id, spec.name);
    const completed = init && latest?.state === "exited" && latest.exitCode === 0 && !waiting;
    return {
      name: spec.name,
      state: trimState(state),
      lastState: trimState(lastState),
      ready: completed || (!init && running && started && input.ready(latest.id, spec.name)),
      restartCount: latest?.attempt ?? 0,
      image: spec.image ?? "",
      imageID: latest ? `docker://${latest.imageID}` : "",
      ...(latest ? { containerID: `docker://${latest.id}` } : {}),
      started,
    };
  });
}

/**
 * ephemeralContainerStatuses: like an app container's, but never ready, never restarted and
 * with no last state (the kubelet reports them so); they do not count for phase or readiness.
 */
export function ephemeralContainerStatuses(input: StatusInput): NodeContainerStatus[] | undefined {
  const specs = input.pod.spec.ephemeralContainers ?? [];
  if (specs.length === 0) return undefined;
  const notProbed = { ...input, ready: () => false, started: () => false };
  return containerStatuses(notProbed, specs as Container[]).map(({ started: _started, ...s }) => ({ ...s, lastState: {}, ready: false, restartCount: 0 }));
}

/** Kubernetes' getPhase: from the container states and the restart policy. */
export function podPhase(pod: Pod, statuses: ContainerStatus[]): string {
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state?.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        stopped++;
        if (s.lastState?.terminated.exitCode === 0) succeeded++;
      } else waiting++;
    }
  }
  const policy = pod.spec.restartPolicy ?? "Always";
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    return policy === "Never" ? "Failed" : "Running";
  }
  return "Pending";
}

function condition(
  type: string,
  ok: boolean,
  previous: PodCondition[] | undefined,
  now: string,
  why?: { reason: string; message: string },
): PodCondition {
  const status = ok ? "True" : "False";
  const before = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    // Kubernetes writes an explicit null here (needs in api/: Time.nullable() for lastProbeTime).
    lastProbeTime: null as unknown as undefined,
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : seconds(now),
    ...(!ok && why ? why : {}),
  };
}

export function computePodStatus(input: StatusInput): NodePodStatus {
  const { pod, previous, now } = input;
  const inits = pod.spec.initContainers ?? [];
  const initStatuses = inits.length ? containerStatuses(input, inits, true) : undefined;
  const incomplete = (initStatuses ?? []).filter((s) => !s.ready).map((s) => s.name);
  const initFailed = (pod.spec.restartPolicy ?? "Always") === "Never" && (initStatuses ?? []).some((s) => (s.state.terminated?.exitCode ?? 0) !== 0);
  const statuses = containerStatuses(input).map((st) =>
    incomplete.length && st.state.waiting?.reason === "ContainerCreating" ? { ...st, state: { waiting: { reason: "PodInitializing" } } } : st,
  );
  const sandbox = currentSandbox(input.containers);
  const sandboxReady = sandbox?.state === "running";
  const phase =
    pod.metadata.deletionTimestamp && previous?.phase
      ? previous.phase
      : initFailed
        ? "Failed"
        : incomplete.length
          ? "Pending"
          : podPhase(pod, statuses);
  const terminal = phase === "Succeeded" || phase === "Failed";
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const notReady = unready.length
    ? { reason: terminal ? "PodCompleted" : "ContainersNotReady", message: `containers with unready status: [${unready.join(" ")}]` }
    : undefined;
  const allReady = unready.length === 0 && !terminal;
  const conditions = [
    condition("PodReadyToStartContainers", sandboxReady, previous?.conditions, now),
    condition("Initialized", incomplete.length === 0, previous?.conditions, now, {
      reason: "ContainersNotInitialized",
      message: `containers with incomplete status: [${incomplete.join(" ")}]`,
    }),
    condition("Ready", allReady, previous?.conditions, now, notReady),
    condition("ContainersReady", allReady, previous?.conditions, now, notReady),
    condition("PodScheduled", true, previous?.conditions, now),
  ];
  // A finished pod keeps the IP it had (its sandbox is stopped), as on Kubernetes.
  const podIP = pod.spec.hostNetwork ? input.hostIP : sandboxReady ? sandbox?.ip : terminal ? previous?.podIP ?? input.lastPodIP : undefined;
  const status: NodePodStatus = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: previous?.startTime ?? seconds(sandbox?.startedAt ?? now),
    ...(initStatuses ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    qosClass: previous?.qosClass ?? qosClass(pod),
  };
  const ephemeral = ephemeralContainerStatuses(input);
  if (ephemeral) status.ephemeralContainerStatuses = ephemeral;
  return status;
}

export function qosClass(pod: Pod): string {
  let any = false;
  let guaranteed = true;
  for (const c of pod.spec.containers) {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    if (Object.keys(limits).length || Object.keys(requests).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (limits[r] === undefined) guaranteed = false;
      else if (requests[r] !== undefined && String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
