// The prune phase on the recording FakeClient: which deletes it sends, and what stays.
import { describe, expect, it } from "vitest";
import { configmaps, namespaces } from "../../client";
import { FakeClient } from "../../client/fake";
import type { LiveObject } from "./apply";
import { RestMapper } from "./mapper";
import { objectKey } from "./manifests";
import { CREATED_BY_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SOURCE_LABEL, type ObjectRef } from "./plan";
import { pruneAfterApply } from "./prune";

const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SOURCE_LABEL]: "default.lab" };
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };
const ns = (name: string, annotations: Record<string, string> = {}): Obj => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels, annotations } });
const cm = (name: string, owner = labels): Obj => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "team", labels: owner } });
const refs: ObjectRef[] = [
  { apiVersion: "v1", kind: "Namespace", name: "kube-system" },
  { apiVersion: "v1", kind: "Namespace", name: "adopted" },
  { apiVersion: "v1", kind: "Namespace", name: "team" },
  { apiVersion: "v1", kind: "ConfigMap", namespace: "team", name: "cfg" },
  { apiVersion: "v1", kind: "ConfigMap", namespace: "team", name: "theirs" },
];

function setup() {
  const fake = new FakeClient(
    ns("kube-system"),
    ns("adopted"),
    ns("team", { [CREATED_BY_ANNOTATION]: "default.lab" }),
    cm("cfg"),
    cm("theirs", { ...labels, [SOURCE_LABEL]: "other.repo" }),
  );
  const live = new Map<string, LiveObject>();
  for (const r of refs) live.set(objectKey(r), (r.kind === "Namespace" ? fake.object(namespaces, undefined, r.name) : fake.object(configmaps, r.namespace, r.name)) as LiveObject);
  fake.clearActions();
  return { fake, live, mapper: new RestMapper(fake, Number.POSITIVE_INFINITY).seed([namespaces, configmaps]) };
}

describe("prune phase", () => {
  it("deletes only what git-sync created and still owns, objects before their namespace", async () => {
    const { fake, live, mapper } = setup();
    const out = await pruneAfterApply(fake, mapper, { enabled: true, applyFailed: false, previous: refs, objects: [], live, source: "default.lab", allowMassPrune: true });
    expect(fake.deletes().map((a) => `${a.resource}/${a.name}`)).toEqual(["configmaps/cfg", "namespaces/team"]);
    expect(out.deleted.map((r) => r.name)).toEqual(["cfg", "team"]);
    expect(fake.object(namespaces, undefined, "kube-system")).toBeDefined();
    expect(fake.object(namespaces, undefined, "adopted")).toBeDefined();
  });

  it("deletes nothing after a failed apply, and keeps the whole previous inventory", async () => {
    const { fake, live, mapper } = setup();
    const out = await pruneAfterApply(fake, mapper, { enabled: true, applyFailed: true, previous: refs, objects: [], live, source: "default.lab", allowMassPrune: true });
    expect(fake.writes()).toEqual([]);
    expect(out.kept).toEqual(refs);
  });
});
