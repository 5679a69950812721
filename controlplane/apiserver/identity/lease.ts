// kube-apiserver's identity Lease (the start-kube-apiserver-identity-lease-controller and
// start-kube-apiserver-identity-lease-garbage-collector post-start hooks): every API server holds
// a Lease apiserver-<hash> in kube-system, labeled apiserver.kubernetes.io/identity=kube-apiserver,
// renewed every renewIntervalMs; every server deletes those whose renewTime + leaseDurationSeconds
// has passed, so a server that died drops out of `kubectl get leases -n kube-system`.
import { createHash, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { KObject, ResourceType } from "../../../api/resource";
import type { LeaseSpec } from "../../../api/coordination";
import { rfc3339Micro as microTime } from "../../../api/time";
import { ApiError } from "../errors";
import type { Registry } from "../registry";

export const IDENTITY_LABEL = "apiserver.kubernetes.io/identity";
export const IDENTITY_VALUE = "kube-apiserver";
const NS = "kube-system";
const write = { fieldManager: "kube-apiserver" };

export interface IdentityLeaseOptions {
  registry: Registry;
  types: ResourceType[];
  /** What makes this server unique on its host (several share one here): its advertised ip:port. */
  instance: string;
  /** --identity-lease-duration-seconds (kube-apiserver: 3600). */
  durationSeconds?: number;
  /** --identity-lease-renew-interval-seconds (kube-apiserver: 10). */
  renewIntervalSeconds?: number;
  logger: Logger;
  now?: () => number;
}

/** RFC 4648 base32, lower case, no padding (what kube-apiserver names its lease with). */
function base32(bytes: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** apiserver-<base32 of the first 16 bytes of sha256(host)>, as kube-apiserver; host + instance here. */
export function identityLeaseName(host: string, instance: string): string {
  return `apiserver-${base32(createHash("sha256").update(`${host}/${instance}`).digest().subarray(0, 16))}`;
}

/** Expired identity leases: renewTime + leaseDurationSeconds before now. */
export function expiredIdentityLeases(leases: Array<KObject & { spec?: LeaseSpec }>, now: number): string[] {
  return leases
    .filter((l) => l.metadata.labels?.[IDENTITY_LABEL] === IDENTITY_VALUE)
    .filter((l) => {
      const renewed = Date.parse(l.spec?.renewTime ?? "");
      return Number.isFinite(renewed) && renewed + (l.spec?.leaseDurationSeconds ?? 0) * 1000 < now;
    })
    .map((l) => l.metadata.name!);
}

export class IdentityLease {
  readonly name: string;
  private readonly holder: string;
  private readonly leases: ResourceType;

  constructor(private readonly opts: IdentityLeaseOptions) {
    const host = hostname();
    this.name = identityLeaseName(host, opts.instance);
    this.holder = `${this.name}_${randomUUID()}`;
    this.leases = opts.types.find((t) => t.group === "coordination.k8s.io" && t.kind === "Lease")!;
  }

  /** Creates or renews this server's lease, then removes the expired ones of others. */
  async renew(): Promise<void> {
    const { registry } = this.opts;
    const now = (this.opts.now ?? Date.now)();
    const spec: LeaseSpec = { holderIdentity: this.holder, leaseDurationSeconds: this.opts.durationSeconds ?? 3600, renewTime: microTime(now) };
    const live = await registry.tryGet(this.leases, NS, this.name);
    const labels = { [IDENTITY_LABEL]: IDENTITY_VALUE, "kubernetes.io/hostname": hostname() };
    if (live) await registry.update(this.leases, NS, this.name, { ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, ...labels } }, spec }, write);
    else await ignore(registry.create(this.leases, NS, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.name, namespace: NS, labels }, spec }, write), "AlreadyExists");
    const all = (await registry.list(this.leases, NS)).items as Array<KObject & { spec?: LeaseSpec }>;
    for (const name of expiredIdentityLeases(all, now)) {
      if (name !== this.name) await ignore(registry.delete(this.leases, NS, name), "NotFound");
    }
  }

  /** Renews now and every renew interval; returns stop, which deletes the lease (a clean shutdown). */
  start(): () => Promise<void> {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const loop = async () => {
      try {
        await this.renew();
      } catch (err) {
        this.opts.logger.warn({ err: (err as Error).message }, "renewing the API server's identity lease failed; retrying");
      }
      if (!stopped) timer = setTimeout(loop, (this.opts.renewIntervalSeconds ?? 10) * 1000).unref();
    };
    void loop();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await ignore(this.opts.registry.delete(this.leases, NS, this.name), "NotFound").catch(() => undefined);
    };
  }
}

async function ignore(p: Promise<unknown>, reason: "AlreadyExists" | "NotFound"): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === reason)) throw e;
  }
}
