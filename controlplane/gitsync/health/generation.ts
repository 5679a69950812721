// kstatus's stricter generation check for kinds whose controller must have written status at
// least once (DaemonSet): a missing generation or observedGeneration is still in progress.
import { has, label, progressing, type Health, type Live } from "./types";

export function genericHealthOfGeneration(kind: string, obj: Live): Health | undefined {
  if (!has(obj, "metadata.generation")) return progressing("NoGeneration", `${label(kind, obj)}: metadata.generation not set`);
  if (!has(obj, "status.observedGeneration")) return progressing("NoObservedGeneration", `${label(kind, obj)}: status.observedGeneration not set yet`);
  return undefined;
}
