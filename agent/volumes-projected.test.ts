import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ApiClient } from "../client/rest";
import type { Pod } from "./types";
import { needsRefresh, ServiceAccountTokens } from "./volumes-projected";
import { consistently, eventually } from "../test/fixtures/wait";

const HOUR = 3_600_000;
const source = { serviceAccountToken: { expirationSeconds: 3607, path: "token" } };
const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "team", uid: "uid-1" },
  spec: { serviceAccountName: "robot", containers: [], volumes: [{ name: "kube-api-access-abcde", projected: { sources: [source] } }] },
} as unknown as Pod;

/** An API client that answers TokenRequests with numbered tokens valid for `ttlMs` from `now()`. */
function tokenServer(now: () => number, ttlMs: number) {
  const requests: Array<{ path: string; body: unknown }> = [];
  const client = {
    raw: async (_method: string, path: string, body: unknown) => {
      requests.push({ path, body });
      return { status: { token: `token-${requests.length}`, expirationTimestamp: new Date(now() + ttlMs).toISOString() } };
    },
  } as unknown as ApiClient;
  return { client, requests };
}

describe("projected ServiceAccount tokens", () => {
  it("asks TokenRequest for a pod-bound token and reuses it until 80 % of its lifetime", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const api = tokenServer(() => now, HOUR);
    const tokens = new ServiceAccountTokens({ client: api.client, rootDir: "/nonexistent", log: pino({ level: "silent" }), now: () => now });
    const files = await tokens.projection(pod, source, 0o644);
    expect(files).toEqual([{ path: "token", content: Buffer.from("token-1"), mode: 0o644 }]);
    expect(api.requests[0]).toEqual({
      path: "/api/v1/namespaces/team/serviceaccounts/robot/token",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata: {}, spec: { expirationSeconds: 3607, boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: "uid-1" } } },
    });
    now += 0.79 * HOUR;
    expect((await tokens.token(pod, source.serviceAccountToken)).token).toBe("token-1");
    now += 0.02 * HOUR;
    expect((await tokens.token(pod, source.serviceAccountToken)).token).toBe("token-2");
    expect(await tokens.projection(pod, { configMap: { name: "x" } } as never, 0o644)).toBeUndefined();
    tokens.stop();
  });

  it("rewrites the token file in the pod's volume when it is due, and stops once the volume is gone", async () => {
    const root = mkdtempSync(join(tmpdir(), "kubelab-sat-"));
    const dir = join(root, "pods", "uid-1", "volumes", "kube-api-access-abcde");
    mkdirSync(dir, { recursive: true });
    // Tokens of 1.2 s: the refresh falls due after about a second (the shortest delay it waits).
    const api = tokenServer(Date.now, 1200);
    const tokens = new ServiceAccountTokens({ client: api.client, rootDir: root, log: pino({ level: "silent" }) });
    await tokens.projection(pod, source, 0o600);
    await eventually(() => readFileSync(join(dir, "token"), "utf8").startsWith("token-"), 5000, "the token file rewritten");
    rmSync(join(root, "pods"), { recursive: true });
    // A refresh already under way may still ask once; after that nothing is asked for a gone pod.
    const after = api.requests.length;
    await consistently(() => api.requests.length <= after + 1, 2500, "no token requests for a gone volume");
    tokens.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("needs a refresh exactly from 80 % of the lifetime", () => {
    expect(needsRefresh({ token: "t", issuedAt: 0, expiresAt: 1000 }, 799)).toBe(false);
    expect(needsRefresh({ token: "t", issuedAt: 0, expiresAt: 1000 }, 800)).toBe(true);
  });
});
