import { describe, expect, it } from "vitest";
import type { ServiceAccount } from "../../../api/serviceaccount";
import { serviceaccounts } from "../../../client";
import { controllerFixture, newNamespace } from "../testing";
import { ServiceAccountsController } from "./controller";

const account = (namespace: string, name: string): ServiceAccount => ({
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { name, namespace, uid: `${namespace}-${name}`, resourceVersion: "1" },
});

describe("ServiceAccounts controller sync", () => {
  it("creates the default ServiceAccount in a namespace that has none", async () => {
    const f = controllerFixture(newNamespace("team"), account("team", "builder"));
    const c = new ServiceAccountsController({ client: f.client, informers: f.informers });

    await c.sync("team");

    expect(f.client.creates("serviceaccounts").map((a) => `${a.namespace}/${a.name}`)).toEqual(["team/default"]);
    expect(f.client.object<ServiceAccount>(serviceaccounts, "team", "default")?.metadata.name).toBe("default");
  });

  it("leaves a namespace that has its default alone, and creates nothing in a terminating or unknown one", async () => {
    const f = controllerFixture(newNamespace("team"), account("team", "default"), newNamespace("going", { terminating: true }));
    const c = new ServiceAccountsController({ client: f.client, informers: f.informers });

    await c.sync("team");
    await c.sync("going");
    await c.sync("never-was");

    expect(f.client.writes()).toEqual([]);
  });
});
