import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "./rest";
import { configmaps } from "./resources";
import { startCompactableServer, type CompactableServer } from "../test/fixtures/compactable-server";
import type { WatchEvent } from "./watch";

interface ConfigMap {
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

let srv: CompactableServer;
let client: RestClient;

beforeAll(async () => {
  srv = await startCompactableServer();
  client = RestClient.fromKubeconfig(srv.kubeconfig);
}, 60_000);

afterAll(async () => {
  await srv?.stop();
});

describe("watch", () => {
  it("streams ADDED, MODIFIED and DELETED after a list's resourceVersion, in order", async () => {
    const list = await client.list(configmaps, "default");
    const seen: Array<[string, string, string | undefined]> = [];
    const ac = new AbortController();
    const done = client.watch<ConfigMap>(configmaps, "default", { resourceVersion: list.metadata.resourceVersion, signal: ac.signal }, (ev) => {
      seen.push([ev.type, ev.object.metadata.name, ev.object.data?.v]);
      if (ev.type === "DELETED") ac.abort();
    });
    await client.create(configmaps, "default", { metadata: { name: "w1" }, data: { v: "1" } });
    await client.patch(configmaps, "default", "w1", { data: { v: "2" } }, "merge");
    await client.delete(configmaps, "default", "w1");
    const result = await done;
    expect(result.end).toBe("aborted");
    expect(seen).toEqual([
      ["ADDED", "w1", "1"],
      ["MODIFIED", "w1", "2"],
      ["DELETED", "w1", "2"],
    ]);
    expect(Number(result.resourceVersion)).toBeGreaterThan(Number(list.metadata.resourceVersion));
  });

  it("filters events by label selector and ends when the server's timeout passes", async () => {
    const list = await client.list(configmaps, "default");
    const names: string[] = [];
    const done = client.watch<ConfigMap>(
      configmaps,
      "default",
      { resourceVersion: list.metadata.resourceVersion, labelSelector: "app=web", timeoutSeconds: 1 },
      (ev) => void names.push(ev.object.metadata.name),
    );
    await client.create(configmaps, "default", { metadata: { name: "not-web", labels: { app: "db" } } });
    await client.create(configmaps, "default", { metadata: { name: "web", labels: { app: "web" } } });
    const result = await done;
    expect(result.end).toBe("closed");
    expect(names).toEqual(["web"]);
  });

  it("reports a compacted resourceVersion as gone, so the caller knows to relist", async () => {
    await client.create(configmaps, "default", { metadata: { name: "before-compaction" } });
    const list = await client.list(configmaps, "default");
    await client.create(configmaps, "default", { metadata: { name: "after-list" } });
    await srv.compactWhileDown();
    const events: Array<WatchEvent<ConfigMap>> = [];
    const result = await client.watch<ConfigMap>(configmaps, "default", { resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 5 }, (ev) => void events.push(ev));
    expect(result.end).toBe("gone");
    expect(result.status?.code).toBe(410);
    expect(events).toEqual([]);
  }, 60_000);
});
