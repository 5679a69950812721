// The fixture of the controller unit tests, as Kubernetes' controller tests have it: a fake client
// that holds the objects and records every call, informer caches seeded with the same objects, and
// a clock that moves only when told. A test builds a controller on it, fills the caches, calls
// sync(key) and counts the writes: nothing runs in the background, so nothing changes under it.
import { FakeClock } from "../../client/clock";
import { FakeClient, type Action } from "../../client/fake";
import { SharedInformers } from "../../client/informer-factory";
import * as resources from "../../client/resources";
import type { ResourceRef } from "../../client/resources";
import type { DeleteOptions, ObjectList, ObjectWithMeta } from "../../client/types";
import type { ApiStatus } from "../../client/errors";
import { T0 } from "./testing-objects";

/** A delete the controller sent, with its options (the fake's Action carries no DeleteOptions). */
export interface RecordedDelete {
  resource: string;
  namespace?: string;
  name: string;
  options: DeleteOptions;
}

/** FakeClient that also keeps the options of every delete (propagationPolicy, preconditions). */
export class RecordingClient extends FakeClient {
  readonly deleted: RecordedDelete[] = [];

  override delete<T extends ObjectWithMeta>(res: ResourceRef, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T | ApiStatus> {
    this.deleted.push({ resource: res.plural, namespace: res.namespaced ? ns : undefined, name, options: structuredClone(opts) });
    return super.delete<T>(res, ns, name, opts);
  }

  override clearActions(): void {
    super.clearActions();
    this.deleted.length = 0;
  }
}

export interface ControllerFixture {
  client: RecordingClient;
  informers: SharedInformers;
  clock: FakeClock;
  /**
   * Fills the caches of the informers the controller asked for (build it first) from the client's
   * objects, stops them so the caches stay as seeded, and forgets the calls made so far.
   */
  fillCaches(): Promise<void>;
}

type Seed = ObjectWithMeta & { metadata?: { deletionTimestamp?: string | null } };

/** A fake client holding objects, informers on it, and a FakeClock at T0. */
export function controllerFixture(...objects: Seed[]): ControllerFixture {
  const client = new RecordingClient(...objects);
  const informers = new SharedInformers(client);
  const clock = new FakeClock(T0);
  return {
    client,
    informers,
    clock,
    async fillCaches() {
      // The fake stores objects as a create would (no deletionTimestamp); the caches get them as
      // the test wrote them, being deleted included, as Kubernetes' tests add them to an indexer.
      let seeding = true;
      client.prependReactor("list", "*", (action) => (seeding ? { object: seededList(client, objects, action) } : undefined));
      const stop = new AbortController();
      informers.start(stop.signal);
      await informers.waitForSync(stop.signal);
      stop.abort();
      seeding = false;
      client.clearActions();
    },
  };
}

const KNOWN = Object.values(resources).filter((v): v is ResourceRef => typeof v === "object" && v !== null && "plural" in v);

function seededList(client: FakeClient, seeds: Seed[], action: Action): ObjectList<ObjectWithMeta> {
  const res = KNOWN.find((r) => r.plural === action.resource && r.group === action.group);
  if (!res) throw new Error(`testing: no resource ${action.resource}.${action.group}`);
  const items = client.objects<Seed>(res, action.namespace).map((obj) => {
    const seed = seeds.find((s) => s.kind === obj.kind && s.metadata?.namespace === obj.metadata?.namespace && s.metadata?.name === obj.metadata?.name);
    const deletionTimestamp = seed?.metadata?.deletionTimestamp;
    return deletionTimestamp ? { ...obj, metadata: { ...obj.metadata, deletionTimestamp } } : obj;
  });
  return { metadata: { resourceVersion: String(client.tracker.revision()) }, items };
}
