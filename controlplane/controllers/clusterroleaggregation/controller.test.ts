import { describe, expect, it } from "vitest";
import type { ClusterRole } from "../../../api/rbac";
import { RecordingClient } from "../testing";
import { ClusterRoleAggregationController, clusterRolesResource } from "./controller";

const role = (name: string, labels: Record<string, string>, rules: ClusterRole["rules"], aggregateLabel?: string): ClusterRole => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: { name, labels, uid: `uid-${name}`, resourceVersion: "1" },
  rules,
  ...(aggregateLabel ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregateLabel]: "true" } }] } } : {}),
});

function fixture(...roles: ClusterRole[]) {
  const client = new RecordingClient();
  for (const r of roles) client.add(r as never, clusterRolesResource);
  const c = new ClusterRoleAggregationController({ client });
  for (const r of roles) c.roles.indexer.add(r as never);
  return { client, c };
}

const podsRead = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };
const widgets = { verbs: ["get"], apiGroups: ["example.com"], resources: ["widgets"] };

describe("clusterrole aggregation sync", () => {
  it("gives an aggregated role the rules of every role its selector matches, each once, by role name", async () => {
    const f = fixture(
      role("monitoring", {}, [], "agg/monitoring"),
      role("z-widgets", { "agg/monitoring": "true" }, [widgets, podsRead]),
      role("a-pods", { "agg/monitoring": "true" }, [podsRead]),
      role("unrelated", { other: "true" }, [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }]),
    );

    await f.c.sync("monitoring");

    expect(f.client.object<ClusterRole>(clusterRolesResource, undefined, "monitoring")?.rules).toEqual([podsRead, widgets]);
  });

  it("writes nothing when the rules are already right, and leaves roles without an aggregationRule alone", async () => {
    const f = fixture(role("monitoring", {}, [podsRead], "agg/monitoring"), role("a-pods", { "agg/monitoring": "true" }, [podsRead]));

    await f.c.sync("monitoring");
    await f.c.sync("a-pods");

    expect(f.client.writes()).toEqual([]);
  });

  it("drops rules whose source role no longer matches", async () => {
    const f = fixture(role("monitoring", {}, [podsRead, widgets], "agg/monitoring"), role("a-pods", { "agg/monitoring": "true" }, [podsRead]));

    await f.c.sync("monitoring");

    expect(f.client.object<ClusterRole>(clusterRolesResource, undefined, "monitoring")?.rules).toEqual([podsRead]);
  });
});
