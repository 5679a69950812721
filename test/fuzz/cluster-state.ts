// What "nothing was written" means for a test against a real server: every object of every
// resource type (namespace/name@resourceVersion), as lists report them. Equal snapshots before
// and after = no write landed on any of them, not even one that was later undone. The objects
// the API server keeps up to date itself (the default/kubernetes Service, its Endpoints and
// EndpointSlice, and its identity Lease in kube-system, renewed every few seconds) are left out:
// their writes are the server's, not a request's.
import { resourceTypes } from "../../api";

export interface ClusterState {
  /** The highest resourceVersion among the objects. */
  revision: string;
  objects: string[];
}

const SERVER_OWNED = /^((services|endpoints|endpointslices)\/default\/kubernetes|leases\/kube-system\/apiserver-[a-z0-9]+)@/;

export async function clusterState(baseUrl: string, headers: Record<string, string> = {}): Promise<ClusterState> {
  const objects: string[] = [];
  let revision = 0;
  for (const rt of resourceTypes) {
    const prefix = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
    const res = await fetch(`${baseUrl}${prefix}/${rt.plural}`, { headers });
    if (res.status !== 200) throw new Error(`listing ${rt.plural}: ${res.status} ${await res.text()}`);
    const list = (await res.json()) as { items: Array<{ metadata: { namespace?: string; name: string; resourceVersion: string } }> };
    for (const o of list.items) {
      const id = `${rt.plural}/${o.metadata.namespace ?? ""}/${o.metadata.name}@${o.metadata.resourceVersion}`;
      if (SERVER_OWNED.test(id)) continue;
      objects.push(id);
      revision = Math.max(revision, Number(o.metadata.resourceVersion));
    }
  }
  return { revision: String(revision), objects: objects.sort() };
}
