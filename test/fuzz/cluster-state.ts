// What "nothing was written" means for a test against a real server: every object of every
// resource type (namespace/name@resourceVersion) and the store's revision, as lists report them.
// Equal snapshots before and after = no write landed, not even one that was later undone.
import { resourceTypes } from "../../api";

export interface ClusterState {
  revision: string;
  objects: string[];
}

export async function clusterState(baseUrl: string, headers: Record<string, string> = {}): Promise<ClusterState> {
  const objects: string[] = [];
  let revision = "0";
  for (const rt of resourceTypes) {
    const prefix = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
    const res = await fetch(`${baseUrl}${prefix}/${rt.plural}`, { headers });
    if (res.status !== 200) throw new Error(`listing ${rt.plural}: ${res.status} ${await res.text()}`);
    const list = (await res.json()) as { metadata: { resourceVersion: string }; items: Array<{ metadata: { namespace?: string; name: string; resourceVersion: string } }> };
    if (Number(list.metadata.resourceVersion) > Number(revision)) revision = list.metadata.resourceVersion;
    for (const o of list.items) objects.push(`${rt.plural}/${o.metadata.namespace ?? ""}/${o.metadata.name}@${o.metadata.resourceVersion}`);
  }
  return { revision, objects: objects.sort() };
}
