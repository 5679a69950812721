// An API server's identity among its peers on one store: its identity Lease in kube-system
// (lease.ts) and its master lease, from which the kubernetes Service's endpoints list every live
// API server (master-leases.ts). Started once the server listens; stop() withdraws both.
import type { Logger } from "pino";
import type { ResourceType } from "../../../api/resource";
import type { Store } from "../../storage/store";
import type { ApiServerEndpoint } from "../bootstrap/kubernetes-service";
import type { Registry } from "../registry";
import { IdentityLease } from "./lease";
import { masterLeases, type MasterLeases } from "./master-leases";

export { IDENTITY_LABEL, identityLeaseName } from "./lease";
export { MASTER_LEASES_PREFIX } from "./master-leases";

export interface IdentityLeaseFlags {
  /** --identity-lease-duration-seconds (default 3600). */
  durationSeconds?: number;
  /** --identity-lease-renew-interval-seconds (default 10). */
  renewIntervalSeconds?: number;
}

export interface ApiServerIdentity {
  name: string;
  peers: MasterLeases["peers"];
  stop(): Promise<void>;
}

export function startApiServerIdentity(opts: {
  store: Store;
  registry: Registry;
  types: ResourceType[];
  self: ApiServerEndpoint;
  /** How often the kubernetes Service is reconciled (default 10 s): master leases live 1.5 times that. */
  reconcileIntervalMs?: number;
  lease?: IdentityLeaseFlags;
  logger: Logger;
}): ApiServerIdentity {
  const leases = masterLeases(opts.store, opts.self, 1.5 * (opts.reconcileIntervalMs ?? 10_000));
  const identity = new IdentityLease({ registry: opts.registry, types: opts.types, instance: `${opts.self.ip}:${opts.self.port}`, logger: opts.logger, ...opts.lease });
  const stopLease = identity.start();
  return {
    name: identity.name,
    peers: leases.peers,
    stop: async () => {
      await Promise.all([stopLease(), leases.remove().catch(() => undefined)]);
    },
  };
}
