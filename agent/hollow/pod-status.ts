// What a hollow node reports for a pod bound to it: Running and Ready at once, an IP from the
// node's podCIDR, a running, ready container status per container.
import type { Pod } from "../../api/core";
import { rfc3339 } from "../../api/time";

const seconds = (ms: number) => rfc3339(ms);

/** Hands out pod IPs from a /24 (x.y.z.2 .. x.y.z.254), reusing released ones. */
export class PodIPAllocator {
  private readonly used = new Set<number>();
  private readonly prefix: string;

  constructor(podCIDR: string) {
    this.prefix = podCIDR.split("/")[0]!.split(".").slice(0, 3).join(".");
  }

  /** Marks an IP already in use (a pod seen after a restart). */
  reserve(ip: string): void {
    if (!ip.startsWith(this.prefix + ".")) return;
    this.used.add(Number(ip.slice(this.prefix.length + 1)));
  }

  allocate(): string {
    for (let host = 2; host < 255; host++) {
      if (!this.used.has(host)) {
        this.used.add(host);
        return `${this.prefix}.${host}`;
      }
    }
    throw new Error(`no free pod IP in ${this.prefix}.0/24`);
  }

  release(ip: string | undefined): void {
    if (ip?.startsWith(this.prefix + ".")) this.used.delete(Number(ip.slice(this.prefix.length + 1)));
  }
}

export function qosClass(pod: Pod): string {
  const containers = pod.spec?.containers ?? [];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === "Running" && pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

export function runningStatus(pod: Pod, podIP: string, hostIP: string, now: number): NonNullable<Pod["status"]> {
  const t = seconds(now);
  const started = pod.status?.startTime ?? t;
  const cond = (type: string) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: t });
  const uid = (pod.metadata?.uid ?? "").replace(/-/g, "").slice(0, 12);
  return {
    phase: "Running",
    conditions: [cond("PodReadyToStartContainers"), cond("Initialized"), cond("Ready"), cond("ContainersReady"), cond("PodScheduled")],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: started,
    qosClass: qosClass(pod),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      state: { running: { startedAt: started } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: c.image ?? "",
      imageID: `hollow://${c.image ?? ""}`,
      containerID: `hollow://${uid}-${c.name}`,
      started: true,
    })),
  } as unknown as NonNullable<Pod["status"]>;
}
