// The write guard every leader-elected component's client goes through: reads always pass, writes
// only while the elector says "leading" at the moment of the call.
import { describe, expect, it } from "vitest";
import { FakeClient } from "../client/fake";
import { configmaps } from "../client/resources";
import { guardWrites } from "./leader";

describe("guardWrites", () => {
  it("lets reads through and refuses writes unless leading at the moment of the call", async () => {
    const fake = new FakeClient();
    let leading = true;
    const client = guardWrites(fake, () => leading, "kube-controller-manager");
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" } };
    await client.create(configmaps, "default", cm);
    leading = false;
    await expect(client.create(configmaps, "default", { ...cm, metadata: { ...cm.metadata, name: "b" } })).rejects.toThrow(/not the leader of lease kube-system\/kube-controller-manager/);
    await expect(client.delete(configmaps, "default", "a")).rejects.toThrow(/write refused/);
    await expect(client.raw("POST", "/api/v1/namespaces/default/configmaps", cm)).rejects.toThrow(/write refused/);
    expect((await client.get(configmaps, "default", "a")).metadata?.name).toBe("a");
    expect(fake.writes().map((a) => `${a.verb} ${a.name ?? ""}`)).toEqual(["create a"]);
  });
});
