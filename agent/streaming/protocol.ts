// Kubernetes' remote command protocol over WebSocket (k8s.io/apimachinery util/remotecommand and
// the kubelet's streaming server): every binary message starts with its channel, 0 stdin, 1 stdout,
// 2 stderr, 3 error, 4 resize. What each version adds:
//   channel.k8s.io, v2: the error channel carries the error as text;
//   v3: resize messages ({"Width":w,"Height":h} on channel 4);
//   v4: the error channel carries a metav1.Status, with the exit code of a failed command;
//   v5: [255, channel] closes that channel (the client's end of stdin).
// kubectl 1.32 asks for v5 only; older clients for v4 and below. Pure.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

export const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The best protocol both sides speak, from the client's offer; undefined when there is none. */
export function negotiate(offered: Set<string>): Protocol | undefined {
  return PROTOCOLS.find((p) => offered.has(p));
}

export const protocolVersion = (p: Protocol): number => (p === "channel.k8s.io" ? 1 : Number(p[1]));

export interface TerminalSize {
  width: number;
  height: number;
}

/** A resize message's size; undefined for one that is not {"Width":n,"Height":n}. */
export function parseResize(data: Buffer): TerminalSize | undefined {
  try {
    const v = JSON.parse(data.toString("utf8")) as { Width?: unknown; Height?: unknown };
    const ok = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 65535;
    return ok(v.Width) && ok(v.Height) ? { width: v.Width, height: v.Height } : undefined;
  } catch {
    return undefined;
  }
}

/** How a command ended, as the agent saw it. */
export type Outcome = { exitCode: number; command?: string[] } | { error: string };

/**
 * The error channel's message for an outcome: the kubelet's Status (v4 and later; exit code 0 is
 * Success, another is NonZeroExitCode with an ExitCode cause that kubectl exits with), or the text
 * of the error (v2, v3; nothing for success). undefined: nothing to send.
 */
export function outcomeMessage(p: Protocol, o: Outcome): Buffer | undefined {
  if (protocolVersion(p) >= 4) return Buffer.from(JSON.stringify(outcomeStatus(o)));
  if ("error" in o) return Buffer.from(o.error);
  return o.exitCode === 0 ? undefined : Buffer.from(nonZeroMessage(o.exitCode, o.command));
}

function nonZeroMessage(code: number, command?: string[]): string {
  return `command terminated with non-zero exit code: command '${(command ?? []).join(" ")}' exited with ${code}`;
}

export function outcomeStatus(o: Outcome): Record<string, unknown> {
  if ("error" in o) {
    return { metadata: {}, status: "Failure", message: `Internal error occurred: ${o.error}`, reason: "InternalError", details: { causes: [{ message: o.error }] }, code: 500 };
  }
  if (o.exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: nonZeroMessage(o.exitCode, o.command),
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(o.exitCode) }] },
  };
}

/** One outgoing message: the channel byte, then the data. */
export function frame(channel: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}
