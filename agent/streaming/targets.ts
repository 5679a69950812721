// What an exec or attach request names, checked against what the node runs, and the Docker side of
// the session started for it (session.ts joins it to the client). Paths and parameters are the
// kubelet's: /exec/<namespace>/<pod>[/<uid>]/<container>?command=...&input=1&output=1&error=1&tty=1
// (the API server's stdin/stdout/stderr names are accepted too).
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import type { Kubelet } from "../kubelet";
import { latestByName } from "../status";
import type { SessionTarget } from "./session";
import type { Outcome } from "./protocol";

/** An answer before any upgrade: the server's handler turns it into a Status. */
export class StreamError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "StreamError";
  }
}

export interface StreamRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const yes = (q: URLSearchParams, ...names: string[]) => names.some((n) => ["1", "true", "True", "t", "T", "TRUE"].includes(q.get(n) ?? ""));

/** The request in a path's segments after /exec or /attach, and its query. */
export function parseStreamRequest(kind: "exec" | "attach", segments: string[], q: URLSearchParams): StreamRequest {
  if (segments.length !== 3 && segments.length !== 4) throw new StreamError(400, `usage: /${kind}/<namespace>/<pod>/<container>`);
  const [namespace, pod] = segments as [string, string];
  const container = segments[segments.length - 1]!;
  const command = q.getAll("command");
  if (kind === "exec" && command.length === 0) throw new StreamError(400, "you must specify at least one command for the container");
  const tty = yes(q, "tty");
  const r = { namespace, pod, container, command, stdin: yes(q, "input", "stdin"), stdout: yes(q, "output", "stdout"), stderr: yes(q, "error", "stderr") && !tty, tty };
  if (!r.stdin && !r.stdout && !r.stderr) throw new StreamError(400, "you must specify at least 1 of stdin, stdout, stderr");
  return r;
}

/** The Docker id of the running container the request names; a clear error otherwise. */
export function runningContainer(kubelet: Kubelet, r: StreamRequest): string {
  const pod = kubelet.podManager.find(r.namespace, r.pod);
  if (!pod) throw new StreamError(404, `pod "${r.pod}" not found in namespace "${r.namespace}" on this node`);
  const known = [...pod.spec.containers, ...(pod.spec.initContainers ?? []), ...((pod.spec as { ephemeralContainers?: { name: string }[] }).ephemeralContainers ?? [])];
  if (!known.some((c) => c.name === r.container)) throw new StreamError(404, `container not found (${JSON.stringify(r.container)})`);
  const current = latestByName(kubelet.runtimeContainers(pod.metadata.uid), r.container)[0];
  if (!current || current.state !== "running") {
    throw new StreamError(400, `container ${JSON.stringify(r.container)} in pod ${JSON.stringify(r.pod)} is not running${current ? ` (${current.state})` : ""}`);
  }
  return current.id;
}

/** Docker has the exit code a moment after the stream ends: ask until it says the process is done. */
async function execExitCode(exec: Docker.Exec): Promise<number> {
  for (let i = 0; ; i++) {
    const info = await exec.inspect();
    if (!info.Running || i >= 200) return info.ExitCode ?? -1;
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function startExec(docker: Docker, id: string, r: StreamRequest): Promise<SessionTarget> {
  const exec = await docker.getContainer(id).exec({ Cmd: r.command, AttachStdin: r.stdin, AttachStdout: r.stdout, AttachStderr: r.stderr, Tty: r.tty });
  const stream = (await exec.start({ hijack: true, stdin: r.stdin, Tty: r.tty })) as Duplex;
  return {
    stream,
    tty: r.tty,
    stdin: r.stdin,
    resize: async (s) => void (await exec.resize({ h: s.height, w: s.width })),
    outcome: async (): Promise<Outcome> => ({ exitCode: await execExitCode(exec), command: r.command }),
  };
}

export async function startAttach(docker: Docker, id: string, r: StreamRequest): Promise<SessionTarget> {
  const container = docker.getContainer(id);
  const info = await container.inspect();
  const stream = (await container.attach({ stream: true, stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, hijack: true })) as unknown as Duplex;
  return {
    stream,
    // Docker frames the output unless the container itself has a TTY.
    tty: Boolean(info.Config.Tty),
    stdin: r.stdin && Boolean(info.Config.OpenStdin),
    resize: async (s) => void (await container.resize({ h: s.height, w: s.width })),
    outcome: async (): Promise<Outcome> => ({ exitCode: 0 }),
  };
}
