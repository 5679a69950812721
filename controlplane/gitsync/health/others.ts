// The rules for the other built-in kinds kstatus knows: pods, Jobs, claims, Services, CRDs.
import { bool, condition, conditions, healthy, int, label, progressing, degraded, str, type Health, type Live } from "./types";

/** How long an unschedulable pod counts as still progressing (kstatus's ScheduleWindow). */
export const SCHEDULE_WINDOW_MS = 15_000;

export function podHealth(obj: Live, now: number): Health {
  const name = label("Pod", obj);
  const phase = str(obj, "status.phase");
  switch (phase) {
    case "Succeeded":
      return healthy("Succeeded", `${name} has completed successfully`);
    case "Failed":
      // As kstatus: a finished pod is current, whatever its exit.
      return healthy("Failed", `${name} has completed, but not successfully`);
    case "Running": {
      if (condition(obj, "Ready")?.status === "True") return healthy("Ready", `${name} is Ready`);
      const looping = crashLooping(obj);
      if (looping.length) return degraded("ContainerCrashLooping", `${name}: containers in CrashLoopBackOff: ${looping.join(",")}`);
      return progressing("PodRunningNotReady", `${name} is running but not Ready`);
    }
    case "Pending": {
      const scheduled = condition(obj, "PodScheduled");
      if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
        const created = Date.parse(str(obj, "metadata.creationTimestamp"));
        if (Number.isFinite(created) && now - created > SCHEDULE_WINDOW_MS) return degraded("PodUnschedulable", `${name} could not be scheduled: ${scheduled.message ?? ""}`.trim());
        return progressing("PodNotScheduled", `${name} has not been scheduled`);
      }
      return progressing("PodPending", `${name} is Pending`);
    }
    default:
      return progressing("PodNotObserved", `${name}: phase not reported yet`);
  }
}

function crashLooping(obj: Live): string[] {
  const list = (obj.status as { containerStatuses?: unknown } | undefined)?.containerStatuses;
  if (!Array.isArray(list)) return [];
  return list
    .filter((c) => (c as { state?: { waiting?: { reason?: string } } })?.state?.waiting?.reason === "CrashLoopBackOff")
    .map((c) => String((c as { name?: string }).name ?? ""));
}

export function jobHealth(obj: Live): Health {
  const name = label("Job", obj);
  const parallelism = int(obj, "spec.parallelism", 1);
  const completions = int(obj, "spec.completions", parallelism);
  const succeeded = int(obj, "status.succeeded", 0);
  const failed = int(obj, "status.failed", 0);
  const active = int(obj, "status.active", 0);
  for (const c of conditions(obj)) {
    if (c.status !== "True") continue;
    if (c.type === "Complete") return healthy("Complete", `${name} completed: succeeded ${succeeded}/${completions}`);
    if (c.type === "Failed") return degraded("JobFailed", `${name} failed (${c.reason || "Failed"}): ${c.message || `failed ${failed}/${completions}`}`);
    if (c.type === "Suspended" && bool(obj, "spec.suspend")) return { status: "Suspended", reason: "Suspended", message: `${name} is suspended` };
  }
  if (!str(obj, "status.startTime")) return progressing("JobNotStarted", `${name} has not started`);
  // As kstatus: a running Job is current; it is judged again when it ends.
  return healthy("JobInProgress", `${name} in progress: succeeded ${succeeded}, active ${active}, failed ${failed}`);
}

export function pvcHealth(obj: Live): Health {
  const phase = str(obj, "status.phase", "unknown");
  if (phase !== "Bound") return progressing("NotBound", `${label("PersistentVolumeClaim", obj)} is not Bound (phase ${phase})`);
  return healthy("Bound", `${label("PersistentVolumeClaim", obj)} is Bound`);
}

export function serviceHealth(obj: Live): Health {
  if (str(obj, "spec.type", "ClusterIP") === "LoadBalancer" && !str(obj, "spec.clusterIP")) {
    return progressing("NoIPAssigned", `${label("Service", obj)}: no cluster IP assigned yet (type LoadBalancer)`);
  }
  return healthy("Ready", `${label("Service", obj)} is ready`);
}

export function crdHealth(obj: Live): Health {
  const name = label("CustomResourceDefinition", obj);
  for (const c of conditions(obj)) {
    if (c.type === "NamesAccepted" && c.status === "False") return degraded(c.reason || "NamesNotAccepted", `${name}: ${c.message ?? ""}`);
    if (c.type === "Established" && c.status === "False" && c.reason !== "Installing") return degraded(c.reason || "NotEstablished", `${name}: ${c.message ?? ""}`);
    if (c.type === "Established" && c.status === "True") return healthy("Established", `${name} is established`);
  }
  return progressing("Installing", `${name}: install in progress`);
}

export function cronJobHealth(obj: Live): Health {
  if (bool(obj, "spec.suspend")) return { status: "Suspended", reason: "Suspended", message: `${label("CronJob", obj)} is suspended` };
  return healthy("Current", `${label("CronJob", obj)} is scheduled`);
}
