// The pods table row: READY, STATUS and RESTARTS computed as Kubernetes' printPod does.
import type { Container } from "../corev1/container";
import type { Pod } from "../corev1/pod";
import { timestampSince } from "./duration";

const isRestartableInit = (c: Container | undefined) => c?.restartPolicy === "Always";
const later = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : Date.parse(b) > Date.parse(a) ? b : a);

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** READY ("1/1"), STATUS ("Running", "CrashLoopBackOff", "Init:0/1", "Terminating"...), RESTARTS ("2 (5s ago)"). */
export function summarizePod(pod: Pod, now: Date): PodSummary {
  const spec = pod.spec;
  const status = pod.status ?? {};
  let restarts = 0;
  let initRestarts = 0;
  let ready = 0;
  let total = spec.containers.length;
  let lastRestart: string | undefined;
  let lastInitRestart: string | undefined;
  let reason = status.reason || status.phase || "";
  for (const c of status.conditions ?? []) {
    if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }
  const initContainers = new Map((spec.initContainers ?? []).map((c) => [c.name, c] as const));
  for (const c of spec.initContainers ?? []) if (isRestartableInit(c)) total++;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    restarts += (cs.restartCount ?? 0);
    lastRestart = later(lastRestart, cs.lastState?.terminated?.finishedAt);
    const restartable = isRestartableInit(initContainers.get(cs.name));
    if (restartable) {
      initRestarts += (cs.restartCount ?? 0);
      lastInitRestart = later(lastInitRestart, cs.lastState?.terminated?.finishedAt);
    }
    const term = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (restartable && cs.started) {
      if (cs.ready) ready++;
      continue;
    }
    if (term) {
      reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = initRestarts;
    lastRestart = lastInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += (cs.restartCount ?? 0);
      lastRestart = later(lastRestart, cs.lastState?.terminated?.finishedAt);
      const term = cs.state?.terminated;
      if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const podReady = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      reason = podReady ? "Running" : "NotReady";
    }
  }

  const terminal = status.phase === "Succeeded" || status.phase === "Failed";
  if (pod.metadata.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata.deletionTimestamp && !terminal) reason = "Terminating";

  const restartsText = restarts !== 0 && lastRestart ? `${restarts} (${timestampSince(lastRestart, now)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsText };
}

export function podCells(pod: Pod, now: Date): unknown[] {
  const s = summarizePod(pod, now);
  const status = pod.status ?? {};
  const podIP = status.podIPs?.[0]?.ip || status.podIP || "<none>";
  let readinessGates = "<none>";
  const gates = pod.spec.readinessGates ?? [];
  if (gates.length > 0) {
    const trueCount = gates.filter((g) => (status.conditions ?? []).find((c) => c.type === g.conditionType)?.status === "True").length;
    readinessGates = `${trueCount}/${gates.length}`;
  }
  return [
    pod.metadata.name,
    s.ready,
    s.status,
    s.restarts,
    timestampSince(pod.metadata.creationTimestamp, now),
    podIP,
    pod.spec.nodeName || "<none>",
    status.nominatedNodeName || "<none>",
    readinessGates,
  ];
}
