// The checks kstatus makes of every object before its kind's own rule (checkGenericProperties),
// and the `Ready` condition it falls back to for kinds without a rule (custom resources).
import { condition, conditions, has, int, label, progressing, degraded, str, type Health, type Live } from "./types";

/** Terminating, a spec not yet observed, or a Reconciling/Stalled condition; undefined = go on. */
export function genericHealth(kind: string, obj: Live): Health | undefined {
  if (str(obj, "metadata.deletionTimestamp")) {
    return { status: "Terminating", reason: "Terminating", message: `${label(kind, obj)} is being deleted` };
  }
  if (has(obj, "metadata.generation") && has(obj, "status.observedGeneration")) {
    const generation = int(obj, "metadata.generation", 0);
    const observed = int(obj, "status.observedGeneration", 0);
    if (observed !== generation) {
      return progressing("LatestGenerationNotObserved", `${label(kind, obj)}: generation is ${generation}, but latest observed generation is ${observed}`);
    }
  }
  for (const c of conditions(obj)) {
    if (c.type === "Reconciling" && c.status === "True") return progressing(c.reason || "Reconciling", `${label(kind, obj)}: ${c.message || "reconciling"}`);
    if (c.type === "Stalled" && c.status === "True") return degraded(c.reason || "Stalled", `${label(kind, obj)}: ${c.message || "stalled"}`);
  }
  return undefined;
}

/** A `Ready` condition's verdict; undefined when the object has none. */
export function readyConditionHealth(kind: string, obj: Live): Health | undefined {
  const ready = condition(obj, "Ready");
  if (!ready) return undefined;
  if (ready.status === "True") return { status: "Healthy", reason: "Ready", message: `${label(kind, obj)} is Ready` };
  return progressing(ready.reason || "NotReady", `${label(kind, obj)}: ${ready.message || "not Ready"}`);
}
