// Liveness, readiness and startup probes: one timer-driven worker per running container and probe
// type, as the kubelet's prober manager has. httpGet and tcpSocket go to the pod IP (the sandbox's
// Docker address, reachable from the host), exec runs through `docker exec`.
import { request } from "node:http";
import { connect } from "node:net";
import type { DockerRuntime } from "./runtime/docker";
import type { Container, Probe } from "../api/core";
import type { IntOrString } from "../api/quantity";

export type ProbeType = "liveness" | "readiness" | "startup";

export interface ProbeTarget {
  podUid: string;
  containerId: string;
  container: Container;
  podIP: string;
}

export interface ProbeResultHandler {
  /** Liveness or startup probe failed failureThreshold times: the container must be restarted. */
  onUnhealthy(target: ProbeTarget, type: ProbeType, message: string): void;
  /** A readiness or startup result changed: the pod's status must be recomputed. */
  onChange(target: ProbeTarget): void;
}

interface Worker {
  type: ProbeType;
  target: ProbeTarget;
  probe: Probe;
  timer?: NodeJS.Timeout;
  successes: number;
  failures: number;
  stopped: boolean;
}

function resolvePort(port: IntOrString, container: Container): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`unknown named port ${port}`);
  return named.containerPort;
}

export async function runProbe(
  probe: Probe,
  target: ProbeTarget,
  runtime: DockerRuntime,
): Promise<{ ok: boolean; message: string }> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.exec) {
      const result = await runtime.exec(target.containerId, probe.exec.command ?? [], timeoutMs);
      return {
        ok: result.exitCode === 0,
        message: result.exitCode === 0 ? "" : `command ${JSON.stringify(probe.exec.command)} exited with ${result.exitCode}: ${result.output.trim()}`,
      };
    }
    if (probe.httpGet) {
      const get = probe.httpGet;
      const port = resolvePort(get.port, target.container);
      const host = get.host ?? target.podIP;
      const path = get.path ?? "/";
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host,
            port,
            path,
            method: "GET",
            timeout: timeoutMs,
            headers: Object.fromEntries([["User-Agent", "kube-probe/1.32"], ...(get.httpHeaders ?? []).map((h) => [h.name, h.value])]),
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("timeout", () => req.destroy(new Error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")));
        req.on("error", reject);
        req.end();
      });
      const ok = status >= 200 && status < 400;
      return { ok, message: ok ? "" : `HTTP probe failed with statuscode: ${status}` };
    }
    if (probe.tcpSocket) {
      const port = resolvePort(probe.tcpSocket.port, target.container);
      const host = probe.tcpSocket.host ?? target.podIP;
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host, port });
        socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`dial tcp ${host}:${port}: i/o timeout`)));
        socket.on("connect", () => {
          socket.destroy();
          resolve();
        });
        socket.on("error", reject);
      });
      return { ok: true, message: "" };
    }
    return { ok: true, message: "" };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  /** containerId -> readiness / startup result. */
  private readonly readiness = new Map<string, boolean>();
  private readonly startup = new Map<string, boolean>();

  constructor(
    private readonly runtime: DockerRuntime,
    private readonly handler: ProbeResultHandler,
  ) {}

  isReady(containerId: string, container: Container): boolean {
    if (!container.readinessProbe) return true;
    return this.readiness.get(containerId) === true;
  }

  isStarted(containerId: string, container: Container): boolean {
    if (!container.startupProbe) return true;
    return this.startup.get(containerId) === true;
  }

  /** Makes the set of probed containers exactly `targets` (the running app containers). */
  sync(targets: ProbeTarget[]): void {
    const wanted = new Set<string>();
    for (const target of targets) {
      const kinds: Array<[ProbeType, Probe | undefined]> = [
        ["startup", target.container.startupProbe],
        ["liveness", target.container.livenessProbe],
        ["readiness", target.container.readinessProbe],
      ];
      for (const [type, probe] of kinds) {
        if (!probe) continue;
        const key = `${target.containerId}/${type}`;
        wanted.add(key);
        const existing = this.workers.get(key);
        if (existing) {
          existing.target = target; // the pod IP may have become known
          continue;
        }
        const worker: Worker = { type, target, probe, successes: 0, failures: 0, stopped: false };
        this.workers.set(key, worker);
        this.schedule(worker, (probe.initialDelaySeconds ?? 0) * 1000);
      }
    }
    for (const [key, worker] of this.workers) {
      if (wanted.has(key)) continue;
      worker.stopped = true;
      clearTimeout(worker.timer);
      this.workers.delete(key);
      this.readiness.delete(worker.target.containerId);
      this.startup.delete(worker.target.containerId);
    }
  }

  stop(): void {
    this.sync([]);
  }

  private schedule(worker: Worker, delayMs: number): void {
    worker.timer = setTimeout(() => void this.tick(worker), delayMs);
    worker.timer.unref?.();
  }

  private async tick(worker: Worker): Promise<void> {
    if (worker.stopped) return;
    const { target, probe, type } = worker;
    const period = (probe.periodSeconds ?? 10) * 1000;
    // Liveness and readiness wait until the startup probe has succeeded.
    if (type !== "startup" && !this.isStarted(target.containerId, target.container)) {
      this.schedule(worker, Math.min(period, 1000));
      return;
    }
    if (!target.podIP && (probe.httpGet || probe.tcpSocket) && !(probe.httpGet?.host || probe.tcpSocket?.host)) {
      this.schedule(worker, 500);
      return;
    }
    const result = await runProbe(probe, target, this.runtime);
    if (worker.stopped) return;
    if (result.ok) {
      worker.failures = 0;
      worker.successes++;
    } else {
      worker.successes = 0;
      worker.failures++;
    }
    const successThreshold = probe.successThreshold ?? 1;
    const failureThreshold = probe.failureThreshold ?? 3;
    if (type === "readiness") {
      const before = this.readiness.get(target.containerId);
      if (worker.successes >= successThreshold) this.readiness.set(target.containerId, true);
      else if (worker.failures >= failureThreshold || before === undefined) this.readiness.set(target.containerId, false);
      if (before !== this.readiness.get(target.containerId)) this.handler.onChange(target);
    } else if (type === "startup") {
      if (result.ok) {
        this.startup.set(target.containerId, true);
        this.handler.onChange(target);
        return; // a startup probe stops once it succeeded
      }
      if (worker.failures >= failureThreshold) {
        this.handler.onUnhealthy(target, type, `Startup probe failed: ${result.message}`);
        worker.stopped = true;
        return;
      }
    } else if (worker.failures >= failureThreshold) {
      this.handler.onUnhealthy(target, type, `Liveness probe failed: ${result.message}`);
      worker.stopped = true;
      return;
    }
    this.schedule(worker, period);
  }
}
