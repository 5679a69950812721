// Admission reads a new pod's Namespace on every pod create (Registry.getShared parses each
// version of it once): a change to the namespace counts from the next create on.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { resourceTypes } from "../../api";
import { SqliteStore } from "../storage/sqlite";
import { KUBERNETES_POD_SECURITY } from "./admission/podsecurity";
import { startApiServer } from "./server";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("admission's reads of a pod's namespace", () => {
  it("judges each pod create by the namespace's labels as they are at that create", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-admission-reads-"));
    const store = new SqliteStore(join(dir, "state.db"));
    const api = await startApiServer({ store, types: resourceTypes, listen: "127.0.0.1:0", logger: pino({ level: "silent" }), podSecurity: KUBERNETES_POD_SECURITY });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close(), () => api.close());
    const json = { "Content-Type": "application/json" };
    const enforce = (level: string) =>
      fetch(`${api.url}/api/v1/namespaces/team`, {
        method: "PATCH",
        headers: { "Content-Type": "application/merge-patch+json" },
        body: JSON.stringify({ metadata: { labels: { "pod-security.kubernetes.io/enforce": level } } }),
      });
    const privilegedPod = async (name: string) => {
      const res = await fetch(`${api.url}/api/v1/namespaces/team/pods`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "i", securityContext: { privileged: true } }] } }),
      });
      return res.status;
    };
    expect((await fetch(`${api.url}/api/v1/namespaces`, { method: "POST", headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } }) })).status).toBe(201);
    expect(await privilegedPod("a")).toBe(201);
    expect((await enforce("baseline")).status).toBe(200);
    expect(await privilegedPod("b")).toBe(403);
    expect((await enforce("privileged")).status).toBe(200);
    expect(await privilegedPod("c")).toBe(201);
    expect((await enforce("baseline")).status).toBe(200);
    expect(await privilegedPod("d")).toBe(403);
  });
});
