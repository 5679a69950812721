// What the scraper reads from an agent's /stats/summary (the kubelet's Summary API): the node's
// and each container's cumulative CPU time and memory working set, each with the time it was
// read. The answer comes from another process: every field is checked, nothing is trusted.
import type { CumulativeSample, NodeBatch } from "./store";

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** CPU and memory of one summary entry (node or container), when both are there. */
function sampleOf(entry: Json | undefined): CumulativeSample | undefined {
  const cpu = obj(entry?.cpu);
  const memory = obj(entry?.memory);
  const cpuNs = num(cpu?.usageCoreNanoSeconds);
  const memoryBytes = num(memory?.workingSetBytes);
  const timeMs = Date.parse(str(cpu?.time) ?? "");
  if (cpuNs === undefined || memoryBytes === undefined || !Number.isFinite(timeMs)) return undefined;
  return { timeMs, cpuNs, memoryBytes };
}

/** The batch for the store from a summary; throws when the answer is not a summary at all. */
export function batchFromSummary(nodeName: string, body: unknown): NodeBatch {
  const root = obj(body);
  if (!root || !obj(root.node)) throw new Error("the answer is not a stats summary (no node)");
  const pods: NodeBatch["pods"] = [];
  for (const p of Array.isArray(root.pods) ? root.pods : []) {
    const pod = obj(p);
    const ref = obj(pod?.podRef);
    const namespace = str(ref?.namespace);
    const name = str(ref?.name);
    if (!namespace || !name) continue;
    const containers: NodeBatch["pods"][number]["containers"] = [];
    for (const c of Array.isArray(pod?.containers) ? pod.containers : []) {
      const cname = str(obj(c)?.name);
      const sample = sampleOf(obj(c));
      if (cname && sample) containers.push({ name: cname, sample });
    }
    if (containers.length) pods.push({ namespace, name, containers });
  }
  return { node: nodeName, sample: sampleOf(obj(root.node)), pods };
}
