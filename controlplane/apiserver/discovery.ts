// Discovery: /version, /api, /apis and the group-version resource lists, in the plain form and
// in the aggregated apidiscovery.k8s.io/v2 form that kubectl 1.32 asks for first.
import type { ResourceType } from "../../api/resource";

export const KUBE_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0-kubelab" };

export function versionInfo(): Record<string, string> {
  return {
    ...KUBE_VERSION,
    gitCommit: "kubelab",
    gitTreeState: "clean",
    buildDate: "2026-11-22T00:00:00Z",
    goVersion: `node${process.versions.node}`,
    compiler: "tsx",
    platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
  };
}

/** The Content-Type of an aggregated discovery answer. */
export function aggregatedContentType(version: "v2" | "v2beta1"): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function wantsAggregated(accept: string | undefined): "v2" | "v2beta1" | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(",")) {
    const p = part.replace(/\s/g, "");
    if (!p.includes("as=APIGroupDiscoveryList")) continue;
    if (p.includes("v=v2beta1")) return "v2beta1";
    if (p.includes("v=v2")) return "v2";
  }
  return undefined;
}

function groupVersions(types: ResourceType[]): Map<string, Map<string, ResourceType[]>> {
  const groups = new Map<string, Map<string, ResourceType[]>>();
  for (const t of types) {
    if (!groups.has(t.group)) groups.set(t.group, new Map());
    const versions = groups.get(t.group)!;
    if (!versions.has(t.version)) versions.set(t.version, []);
    versions.get(t.version)!.push(t);
  }
  return groups;
}

const SUB_VERBS: Record<string, string[]> = {
  status: ["get", "patch", "update"],
  scale: ["get", "patch", "update"],
  binding: ["create"],
  log: ["get"],
  proxy: ["create", "delete", "get", "patch", "update"],
  ephemeralcontainers: ["get", "patch", "update"],
  portforward: ["create", "get"],
  exec: ["create", "get"],
  attach: ["create", "get"],
};

function subKind(t: ResourceType, sub: string): { group: string; version: string; kind: string } {
  if (sub === "scale") return { group: "autoscaling", version: "v1", kind: "Scale" };
  if (sub === "binding") return { group: "", version: "v1", kind: "Binding" };
  if (sub === "proxy") return { group: "", version: "v1", kind: `${t.kind}ProxyOptions` };
  if (sub === "portforward") return { group: "", version: "v1", kind: "PodPortForwardOptions" };
  if (sub === "exec") return { group: "", version: "v1", kind: "PodExecOptions" };
  if (sub === "attach") return { group: "", version: "v1", kind: "PodAttachOptions" };
  return { group: t.group, version: t.version, kind: t.kind };
}

export function apiResourceList(types: ResourceType[], group: string, version: string) {
  const resources: unknown[] = [];
  for (const t of types.filter((x) => x.group === group && x.version === version)) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    });
    for (const sub of t.subresources) {
      const k = subKind(t, sub);
      resources.push({
        name: `${t.plural}/${sub}`,
        singularName: "",
        namespaced: t.namespaced,
        ...(k.group !== t.group ? { group: k.group, version: k.version } : {}),
        kind: k.kind,
        verbs: SUB_VERBS[sub],
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources };
}

export function coreVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function apiGroup(group: string, versions: string[]) {
  const gvs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(types: ResourceType[]) {
  const groups = [...groupVersions(types)].filter(([g]) => g !== "");
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map(([g, vs]) => apiGroup(g, [...vs.keys()])) };
}

export function apiGroupInfo(types: ResourceType[], group: string) {
  const vs = groupVersions(types).get(group);
  if (!vs || group === "") return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group, [...vs.keys()]) };
}

/** The aggregated document for /api (core only) or /apis (all named groups). */
export function aggregatedDiscovery(types: ResourceType[], core: boolean, version: "v2" | "v2beta1") {
  const items = [...groupVersions(types)]
    .filter(([g]) => (core ? g === "" : g !== ""))
    .map(([g, vs]) => ({
      metadata: { name: g, creationTimestamp: null },
      versions: [...vs].map(([v, ts]) => ({
        version: v,
        freshness: "Current",
        resources: ts.map((t) => ({
          resource: t.plural,
          responseKind: { group: t.group, version: t.version, kind: t.kind },
          scope: t.namespaced ? "Namespaced" : "Cluster",
          singularResource: t.singular,
          verbs: t.verbs,
          ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
          ...(t.categories.length ? { categories: t.categories } : {}),
          ...(t.subresources.length
            ? {
                subresources: t.subresources.map((sub) => ({
                  subresource: sub,
                  responseKind: subKind(t, sub),
                  verbs: SUB_VERBS[sub],
                })),
              }
            : {}),
        })),
      })),
    }));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
