// Kubernetes' lease endpoint reconciler (pkg/controlplane/reconcilers/lease.go): every API server
// keeps a key /registry/masterleases/<ip>:<port> in the store with an expiry (kube-apiserver uses
// an etcd TTL of 15 s; the store here has no TTLs, so the expiry is in the value, 1.5 reconcile
// intervals as 15 s is of 10 s). The kubernetes Service's endpoints are the unexpired keys;
// expired ones are deleted by whichever server reconciles first, so a dead server drops out.
import type { Store, StoredValue } from "../../storage/store";
import { StoreConflictError } from "../../storage/store";
import type { ApiServerEndpoint } from "../bootstrap/kubernetes-service";

export const MASTER_LEASES_PREFIX = "/registry/masterleases/";

interface MasterLease extends ApiServerEndpoint {
  expiresAt: number;
}

function parse(sv: StoredValue): MasterLease | undefined {
  try {
    const v = JSON.parse(sv.value) as MasterLease;
    return typeof v.ip === "string" && typeof v.port === "number" && typeof v.expiresAt === "number" ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface MasterLeases {
  /** The kubernetes Service reconciler's `peers`: refreshes this server's key, returns every live one. */
  peers(): Promise<{ endpoints: ApiServerEndpoint[]; authoritative: boolean }>;
  /** Removes this server's key (a clean shutdown: it leaves the endpoints at the next reconcile). */
  remove(): Promise<void>;
}

export function masterLeases(store: Store, self: ApiServerEndpoint, ttlMs: number, now: () => number = Date.now): MasterLeases {
  const key = `${MASTER_LEASES_PREFIX}${self.ip}:${self.port}`;
  const refresh = async () => {
    const value = JSON.stringify({ ip: self.ip, port: self.port, expiresAt: now() + ttlMs });
    try {
      await store.update(key, value);
    } catch (e) {
      if (!(e instanceof StoreConflictError && e.reason === "notfound")) throw e;
      await store.create(key, value).catch((err: unknown) => {
        if (!(err instanceof StoreConflictError)) throw err; // a concurrent refresh of our own key
      });
    }
  };
  return {
    async peers() {
      await refresh();
      const live: ApiServerEndpoint[] = [];
      for (const sv of (await store.list(MASTER_LEASES_PREFIX)).items) {
        const lease = parse(sv);
        if (lease && lease.expiresAt >= now()) {
          live.push({ ip: lease.ip, port: lease.port });
          continue;
        }
        // Guarded by its revision: a server that renewed it meanwhile keeps it.
        await store.delete(sv.key, sv.modRevision).catch((e: unknown) => {
          if (!(e instanceof StoreConflictError)) throw e;
        });
      }
      return { endpoints: live, authoritative: true };
    },
    async remove() {
      await store.delete(key).catch((e: unknown) => {
        if (!(e instanceof StoreConflictError)) throw e;
      });
    },
  };
}
