// The lab's record of what it started (lab.json in the lab dir): read by `lab status` and
// `lab down`, written at each step of `lab up` so a failed start can still be stopped.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { LabProcess } from "./processes";
import type { EtcdPKI } from "./ha/etcd-pki";

/** What `lab up --masters N` (N > 1) started: servers, etcd members, HAProxy, etcd's certificates. */
export interface HaLabState {
  masters: Array<LabProcess & { master: string; address: string; listen: string }>;
  etcd: Array<LabProcess & { member: string; clientUrl: string }>;
  haproxy: LabProcess & { listen: string; statsSocket: string };
  etcdPKI: EtcdPKI;
}

export interface LabState {
  dir: string;
  apiUrl: string;
  kubeconfig: string;
  /** The server's --token-auth-file (absent in labs made before the API required a token). */
  tokenFile?: string;
  /** The CA (the server's self-signed certificate) that the API's TLS is checked against. */
  caFile?: string;
  repo: string;
  server: LabProcess;
  agents: Array<LabProcess & { node: string; address: string }>;
  /** With --masters 3, 5 or 7: every server (`server` is master1), etcd member and HAProxy. */
  ha?: HaLabState;
}

const stateFile = (dir: string) => join(dir, "lab.json");

export function readLabState(dir: string): LabState | undefined {
  const f = stateFile(resolve(dir));
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, "utf8")) as LabState;
}

export function writeLabState(state: LabState): void {
  writeFileSync(stateFile(state.dir), JSON.stringify(state, null, 2), { mode: 0o600 });
}
