import { describe, expect, it } from "vitest";
import { resourceAttributes, type Attributes } from "./authorizer";
import { NodeAuthorizer, nodeNameOf } from "./node";
import { NodeGraph } from "./node-graph";

const nodeA = { name: "system:node:a", uid: "", groups: ["system:nodes", "system:authenticated"] };

function graph(): NodeGraph {
  const g = new NodeGraph();
  g.setPod({
    metadata: { namespace: "team", name: "web" },
    spec: {
      nodeName: "a",
      serviceAccountName: "web",
      containers: [{ name: "c", image: "x", env: [{ name: "K", valueFrom: { secretKeyRef: { name: "env-secret", key: "k" } } }], envFrom: [{ configMapRef: { name: "env-cm" } }] }],
      volumes: [
        { name: "s", secret: { secretName: "vol-secret" } },
        { name: "p", projected: { sources: [{ configMap: { name: "proj-cm" } }] } },
        { name: "d", persistentVolumeClaim: { claimName: "data" } },
      ],
      imagePullSecrets: [{ name: "pull" }],
    },
  });
  g.setPod({ metadata: { namespace: "team", name: "db" }, spec: { nodeName: "b", containers: [{ name: "c", image: "x" }], volumes: [{ name: "s", secret: { secretName: "db-secret" } }] } });
  g.setPod({ metadata: { namespace: "team", name: "pending" }, spec: { containers: [{ name: "c", image: "x" }], volumes: [{ name: "s", secret: { secretName: "pending-secret" } }] } });
  g.setClaim("team", "data", "pv-data");
  return g;
}

const ask = (authz: NodeAuthorizer, a: Partial<Attributes> & { verb: string; resource: string }, user = nodeA) => authz.authorize(resourceAttributes(user, a));

describe("Node authorizer", () => {
  it("knows node identities by name and group", () => {
    expect(nodeNameOf(nodeA)).toBe("a");
    expect(nodeNameOf({ name: "system:node:a", groups: [] })).toBeUndefined();
    expect(nodeNameOf({ name: "alice", groups: ["system:nodes"] })).toBeUndefined();
  });

  // [what, attributes, decision]
  const cases: Array<[string, Partial<Attributes> & { verb: string; resource: string }, string]> = [
    ["gets a Secret its pod mounts", { verb: "get", resource: "secrets", namespace: "team", name: "vol-secret" }, "Allow"],
    ["gets a Secret its pod's env uses", { verb: "get", resource: "secrets", namespace: "team", name: "env-secret" }, "Allow"],
    ["gets its pod's image pull Secret", { verb: "get", resource: "secrets", namespace: "team", name: "pull" }, "Allow"],
    ["gets ConfigMaps from envFrom and projected volumes", { verb: "get", resource: "configmaps", namespace: "team", name: "proj-cm" }, "Allow"],
    ["cannot get a Secret only another node's pod uses", { verb: "get", resource: "secrets", namespace: "team", name: "db-secret" }, "NoOpinion"],
    ["cannot get a Secret of an unscheduled pod", { verb: "get", resource: "secrets", namespace: "team", name: "pending-secret" }, "NoOpinion"],
    ["cannot list Secrets", { verb: "list", resource: "secrets", namespace: "team" }, "NoOpinion"],
    ["gets its pod's claim and the bound volume", { verb: "get", resource: "persistentvolumeclaims", namespace: "team", name: "data" }, "Allow"],
    ["gets the PersistentVolume of its pod's claim", { verb: "get", resource: "persistentvolumes", name: "pv-data" }, "Allow"],
    ["cannot get another PersistentVolume", { verb: "get", resource: "persistentvolumes", name: "pv-other" }, "NoOpinion"],
    ["watches the local volumes provisioned on it, by exactly its label", { verb: "watch", resource: "persistentvolumes", labelSelector: "kubelab.io/local-path-node=a" }, "Allow"],
    ["cannot list another node's local volumes", { verb: "list", resource: "persistentvolumes", labelSelector: "kubelab.io/local-path-node=b" }, "NoOpinion"],
    ["cannot list every PersistentVolume", { verb: "list", resource: "persistentvolumes" }, "NoOpinion"],
    ["may update a PersistentVolume (NodeRestriction limits it to its own, finalizer only)", { verb: "update", resource: "persistentvolumes", name: "pvc-1" }, "Allow"],
    ["creates a token for its pod's ServiceAccount", { verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "team", name: "web" }, "Allow"],
    ["cannot create a token for another ServiceAccount", { verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "team", name: "default" }, "NoOpinion"],
    ["patches its own Node status", { verb: "patch", resource: "nodes", subresource: "status", name: "a" }, "Allow"],
    ["cannot patch another Node", { verb: "patch", resource: "nodes", name: "b" }, "NoOpinion"],
    ["cannot set another Node's status (its address)", { verb: "update", resource: "nodes", subresource: "status", name: "b" }, "NoOpinion"],
    ["cannot delete another Node", { verb: "delete", resource: "nodes", name: "b" }, "NoOpinion"],
    ["lists and watches Nodes and Pods", { verb: "watch", resource: "pods" }, "Allow"],
    ["updates its own Lease", { verb: "update", resource: "leases", apiGroup: "coordination.k8s.io", namespace: "kube-node-lease", name: "a" }, "Allow"],
    ["cannot update another node's Lease", { verb: "update", resource: "leases", apiGroup: "coordination.k8s.io", namespace: "kube-node-lease", name: "b" }, "NoOpinion"],
    ["updates its pods' status", { verb: "update", resource: "pods", subresource: "status", namespace: "team", name: "web" }, "Allow"],
    ["cannot update another node's pod status", { verb: "update", resource: "pods", subresource: "status", namespace: "team", name: "db" }, "NoOpinion"],
    ["deletes its own pod", { verb: "delete", resource: "pods", namespace: "team", name: "web" }, "Allow"],
    ["cannot change a pod's spec, even its own", { verb: "patch", resource: "pods", namespace: "team", name: "web" }, "NoOpinion"],
    ["cannot delete another node's pod", { verb: "delete", resource: "pods", namespace: "team", name: "db" }, "NoOpinion"],
    ["creates events", { verb: "create", resource: "events", namespace: "team" }, "Allow"],
    ["reads Services and EndpointSlices (proxy and DNS)", { verb: "list", resource: "endpointslices", apiGroup: "discovery.k8s.io" }, "Allow"],
    ["cannot create Deployments", { verb: "create", resource: "deployments", apiGroup: "apps", namespace: "team" }, "NoOpinion"],
  ];
  it.each(cases)("%s", (_what, attrs, decision) => {
    expect(ask(new NodeAuthorizer(graph()), attrs).decision).toBe(decision);
  });

  it("says why, in Kubernetes' words, and has no opinion on users that are not nodes", () => {
    const authz = new NodeAuthorizer(graph());
    expect(ask(authz, { verb: "get", resource: "secrets", namespace: "team", name: "db-secret" }).reason).toBe("no relationship found between node 'a' and this object");
    expect(ask(authz, { verb: "patch", resource: "nodes", name: "b" }).reason).toBe("node 'a' cannot modify node 'b'");
    expect(ask(authz, { verb: "get", resource: "secrets", namespace: "team", name: "vol-secret" }, { name: "alice", uid: "", groups: [] }).decision).toBe("NoOpinion");
  });

  it("forgets what a deleted or rescheduled pod used", () => {
    const g = graph();
    const authz = new NodeAuthorizer(g);
    // A status update of the same pod counts nothing twice.
    const web = { metadata: { namespace: "team", name: "web" }, spec: { nodeName: "a", containers: [{ name: "c", image: "x" }], volumes: [{ name: "s", secret: { secretName: "vol-secret" } }] } };
    g.setPod(web);
    g.setPod(web);
    expect(ask(authz, { verb: "get", resource: "secrets", namespace: "team", name: "env-secret" }).decision).toBe("NoOpinion");
    g.deletePod("team", "web");
    expect(ask(authz, { verb: "get", resource: "secrets", namespace: "team", name: "vol-secret" }).decision).toBe("NoOpinion");
    g.setPod({ metadata: { namespace: "team", name: "db" }, spec: { nodeName: "a", containers: [{ name: "c", image: "x" }], volumes: [{ name: "s", secret: { secretName: "db-secret" } }] } });
    expect(ask(authz, { verb: "get", resource: "secrets", namespace: "team", name: "db-secret" }).decision).toBe("Allow");
    expect(ask(authz, { verb: "get", resource: "secrets", namespace: "team", name: "db-secret" }, { name: "system:node:b", uid: "", groups: ["system:nodes"] }).decision).toBe("NoOpinion");
  });
});
