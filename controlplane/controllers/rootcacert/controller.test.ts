import { describe, expect, it } from "vitest";
import type { ConfigMap } from "../../../api/core";
import { configmaps } from "../../../client";
import { controllerFixture, newNamespace } from "../testing";
import { ROOT_CA_CONFIGMAP, RootCACertPublisher, rootCAConfigMap } from "./controller";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const stored = (cm: ConfigMap): ConfigMap => ({ ...cm, metadata: { ...cm.metadata, uid: "u", resourceVersion: "1" } });

describe("root CA publisher sync", () => {
  it("publishes kube-root-ca.crt with the CA in a namespace without it", async () => {
    const f = controllerFixture(newNamespace("team"));
    const c = new RootCACertPublisher({ client: f.client, informers: f.informers, rootCA: CA });

    await c.sync("team");

    expect(f.client.object<ConfigMap>(configmaps, "team", ROOT_CA_CONFIGMAP)?.data).toEqual({ "ca.crt": CA });
  });

  it("puts back a changed CA and leaves a correct one alone", async () => {
    const changed = stored({ ...rootCAConfigMap("team", "tampered"), data: { "ca.crt": "tampered", extra: "x" } });
    const f = controllerFixture(newNamespace("team"), changed, newNamespace("ok"), stored(rootCAConfigMap("ok", CA)));
    const c = new RootCACertPublisher({ client: f.client, informers: f.informers, rootCA: CA });

    await c.sync("team");
    await c.sync("ok");

    expect(f.client.updates("configmaps").map((a) => a.namespace)).toEqual(["team"]);
    expect(f.client.object<ConfigMap>(configmaps, "team", ROOT_CA_CONFIGMAP)?.data).toEqual({ "ca.crt": CA });
  });

  it("publishes nothing into a terminating namespace", async () => {
    const f = controllerFixture(newNamespace("going", { terminating: true }));
    const c = new RootCACertPublisher({ client: f.client, informers: f.informers, rootCA: CA });

    await c.sync("going");

    expect(f.client.writes()).toEqual([]);
  });
});
