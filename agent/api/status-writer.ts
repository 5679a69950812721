// Writes pod status to the API server through the pods/status subresource, only when it differs
// from what the server has, latest-wins per pod, a few writes at a time, retried while the API
// server is away. Static pods write to their mirror pod (same namespace and name).
import type { Logger } from "pino";
import { isNotFound } from "../../client/errors";
import type { ApiClient } from "../../client/rest";
import { pods } from "../../client/resources";
import type { PodStatus } from "../../api/core";
import type { Pod } from "../types";

const CONCURRENCY = 8;

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}:${stable(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sameStatus(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  return stable(a ?? {}) === stable(b ?? {});
}

/** What a reader of the status notices (immune to how the server normalizes the rest). */
function essence(s: PodStatus | undefined): string {
  return stable({
    phase: s?.phase,
    podIP: s?.podIP,
    conditions: (s?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort(),
    containers: (s?.containerStatuses ?? []).map((c) => [
      c.name,
      c.ready,
      c.restartCount,
      c.containerID,
      Object.keys(c.state ?? {})[0],
      c.state?.waiting?.reason,
    ]),
  });
}

export class StatusWriter {
  private readonly pending = new Map<string, { namespace: string; name: string; status: PodStatus }>();
  /** namespace/name -> the status the server has (from the informer or our last write). */
  private readonly server = new Map<string, PodStatus>();
  private active = 0;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  writes = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly log: Logger,
  ) {}

  /** namespace/name -> the status this agent last computed (rewritten when the server lost it,
   *  e.g. a mirror pod created after the status was computed, or a restored store). */
  private readonly wanted = new Map<string, { namespace: string; name: string; uid: string; status: PodStatus }>();

  /** What the informer saw on the server. */
  observe(pod: Pod): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.server.set(key, pod.status ?? {});
    const wanted = this.wanted.get(key);
    // The same pod: an API pod by uid, a mirror pod by the static pod's uid it names.
    const sourceUid = pod.metadata.annotations?.["kubernetes.io/config.mirror"] ?? pod.metadata.uid;
    if (wanted && wanted.uid === sourceUid && !this.pending.has(key) && essence(pod.status) !== essence(wanted.status)) {
      this.pending.set(key, { namespace: wanted.namespace, name: wanted.name, status: wanted.status });
      this.pump();
    }
  }

  forget(pod: Pod): void {
    this.server.delete(`${pod.metadata.namespace}/${pod.metadata.name}`);
  }

  /** The pod is gone from this node: stop caring about its status. */
  drop(namespace: string, name: string): void {
    this.wanted.delete(`${namespace}/${name}`);
    this.pending.delete(`${namespace}/${name}`);
  }

  write(pod: Pod, status: PodStatus): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.wanted.set(key, { namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid, status });
    if (sameStatus(this.server.get(key), status)) {
      this.pending.delete(key);
      return;
    }
    this.pending.set(key, { namespace: pod.metadata.namespace, name: pod.metadata.name, status });
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private pump(): void {
    while (!this.stopped && this.active < CONCURRENCY && this.pending.size > 0) {
      const [key, item] = this.pending.entries().next().value as [string, { namespace: string; name: string; status: PodStatus }];
      this.pending.delete(key);
      this.active++;
      void this.send(key, item).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async send(key: string, item: { namespace: string; name: string; status: PodStatus }): Promise<void> {
    // A merge patch replaces lists (conditions, containerStatuses) wholesale; top-level fields
    // we no longer report are cleared with null.
    const body: Record<string, unknown> = { ...item.status };
    for (const field of ["podIP", "podIPs", "message", "reason"]) if (!(field in body)) body[field] = null;
    try {
      await this.client.patchSubresource(pods, item.namespace, item.name, "status", { status: body }, "merge");
      this.writes++;
      this.server.set(key, item.status);
    } catch (err) {
      if (isNotFound(err)) return; // the pod (or mirror pod) is gone
      this.log.warn({ pod: key, err: (err as Error).message }, "pod status update failed; retrying");
      if (!this.pending.has(key)) this.pending.set(key, item);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.pump(), 2000);
      this.retryTimer.unref?.();
      // wait before this slot is used again, so an unreachable server is not hammered
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
