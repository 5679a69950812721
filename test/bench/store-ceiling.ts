// The stores' own ceilings for the api benchmark: creates straight through controlplane/storage
// (SQLite in a temp dir, and etcd through EtcdStore) and raw puts through the etcd3 client, with
// the API's payload (a pod as the server stores it) and the API's concurrency. A user sees how
// close the API comes to what the store allows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { SqliteStore } from "../../controlplane/storage/sqlite";
import { EtcdStore } from "../../controlplane/storage/etcd";
import type { Store } from "../../controlplane/storage/store";

/** `total` writes of `put(i)` from `clients` concurrent writers; writes per second. */
async function rate(total: number, clients: number, put: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) await put(i);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

const key = (i: number) => `/registry/core/pods/default/ceiling-${i}`;

/** Store.create per second on `store`. */
export function storeCreates(store: Store, payload: string, total: number, clients = 16): Promise<number> {
  return rate(total, clients, (i) => store.create(key(i), payload));
}

/** SqliteStore.create per second on a fresh file, as `kubelab server` opens it. */
export async function sqliteCeiling(payload: string, total: number, clients = 16): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "kubelab-bench-sqlite-"));
  const store = new SqliteStore(join(dir, "state.db"));
  try {
    return await storeCreates(store, payload, total, clients);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per second on the etcd at `endpoint`: raw etcd3 puts, and creates through EtcdStore. */
export async function etcdCeilings(endpoint: string, payload: string, total: number, clients = 16): Promise<{ rawPuts: number; storeCreates: number }> {
  const client = new Etcd3({ hosts: [endpoint] });
  const store = new EtcdStore({ endpoints: [endpoint] });
  try {
    const rawPuts = await rate(total, clients, (i) => client.put(`/bench-raw/${i}`).value(payload).exec());
    return { rawPuts, storeCreates: await storeCreates(store, payload, total, clients) };
  } finally {
    await store.close();
    client.close();
  }
}
