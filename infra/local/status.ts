// `kubelab lab status`: what the lab runs and whether it is healthy, as one value (printed as JSON
// with -o json) from which the text lines are derived, so both always say the same.
import { join, resolve } from "node:path";
import { labApiGet, labReady } from "./api";
import { isAlive } from "./processes";
import { readLabState } from "./state";
import { haStatus, haStatusLines, type HaStatus } from "./ha/status";

export interface LabStatus {
  /** True when the server answers, every agent runs and every lab node is Ready. */
  healthy: boolean;
  dir: string;
  /** Undefined when no lab was started from dir (or it was stopped). */
  server?: { pid: number; running: boolean; apiReady: boolean; url: string };
  agents: Array<{ node: string; pid: number; running: boolean; nodeReady: "Ready" | "NotReady" | "Unknown"; address: string }>;
  /** Undefined when the API did not answer. */
  pods?: { total: number; running: number };
  kubeconfig?: string;
  repo?: string;
  logs?: string;
  /** With several masters: each master's server, etcd member, HAProxy state and Leases (ha/status.ts). */
  ha?: HaStatus;
}

type Conditioned = { metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }>; phase?: string } };

export async function labStatus(dirOpt: string): Promise<LabStatus> {
  const dir = resolve(dirOpt);
  const state = readLabState(dir);
  if (!state || !state.server.pid) return { healthy: false, dir, agents: [] };
  const running = isAlive(state.server.pid);
  const apiReady = await labReady(state);
  let nodes = new Map<string, "Ready" | "NotReady">();
  let pods: LabStatus["pods"];
  if (apiReady) {
    try {
      const list = await labApiGet<{ items: Conditioned[] }>(state, "/api/v1/nodes");
      nodes = new Map(list.items.map((n) => [n.metadata.name, n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? "Ready" : "NotReady"]));
      const all = (await labApiGet<{ items: Conditioned[] }>(state, "/api/v1/pods")).items;
      pods = { total: all.length, running: all.filter((p) => p.status?.phase === "Running").length };
    } catch {
      pods = undefined; // answered /readyz but not the lists: reported as not healthy below
    }
  }
  const agents = state.agents.map((a) => ({
    node: a.node,
    pid: a.pid,
    running: isAlive(a.pid),
    nodeReady: nodes.get(a.node) ?? ("Unknown" as const),
    address: a.address,
  }));
  const ha = state.ha ? await haStatus({ ...state, ha: state.ha }) : undefined;
  const healthy = running && apiReady && pods !== undefined && agents.every((a) => a.running && a.nodeReady === "Ready") && (ha?.healthy ?? true);
  return {
    healthy,
    dir,
    server: { pid: state.server.pid, running, apiReady, url: state.apiUrl },
    agents,
    pods,
    kubeconfig: state.kubeconfig,
    repo: state.repo,
    logs: join(dir, "logs"),
    ha,
  };
}

/** The text form of a status: one line per process, then pods, paths and the verdict. */
export function statusLines(s: LabStatus): string[] {
  if (!s.server) return ["no lab is running (start one with `npm run lab`)"];
  const lines = [
    `server   pid ${s.server.pid}  ${s.server.running ? "running" : "STOPPED"}  ${s.server.apiReady ? "API ready" : "API not answering"}  ${s.server.url}`,
    ...(s.ha ? haStatusLines(s.ha) : []),
    ...s.agents.map((a) => `${a.node.padEnd(8)} pid ${a.pid}  ${a.running ? "running" : "STOPPED"}  node ${a.nodeReady}  ${a.address}`),
  ];
  if (s.pods) lines.push(`pods     ${s.pods.total} (${s.pods.running} running)`);
  lines.push(`kubeconfig ${s.kubeconfig}   repo ${s.repo}`);
  lines.push(s.healthy ? "healthy" : `NOT healthy: see the logs in ${s.logs}`);
  return lines;
}
