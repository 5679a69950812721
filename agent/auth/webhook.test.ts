import { describe, expect, it } from "vitest";
import type { ApiClient } from "../../client/rest";
import { nodeAttributes } from "./attributes";
import { WebhookAuth } from "./webhook";

/** The API server's two reviews, answered from a table, counting the calls (what the cache saves). */
function reviewer(users: Record<string, string>, allowed: Set<string>) {
  const calls: string[] = [];
  const client = {
    raw: async (_method: string, path: string, body: { spec: { token?: string; user?: string; resourceAttributes?: { subresource: string } } }) => {
      calls.push(path.split("/").pop()!);
      if (path.endsWith("tokenreviews")) {
        const name = users[body.spec.token!];
        return { status: name ? { authenticated: true, user: { username: name, groups: ["system:authenticated"] } } : { authenticated: false, error: "invalid bearer token" } };
      }
      return { status: { allowed: allowed.has(`${body.spec.user}/${body.spec.resourceAttributes!.subresource}`) } };
    },
  } as unknown as ApiClient;
  return { client, calls };
}

describe("the agent's webhook authentication and authorization", () => {
  it("asks the API server once per token and decision while the answer is fresh, and again after", async () => {
    let now = 0;
    const { client, calls } = reviewer({ t1: "kube-apiserver-kubelet-client" }, new Set(["kube-apiserver-kubelet-client/proxy"]));
    const auth = new WebhookAuth(client, { authenticatedMs: 1000, unauthenticatedMs: 100, allowedMs: 1000, deniedMs: 100 }, () => now);
    const who = await auth.authenticate("t1");
    expect(who).toMatchObject({ user: { username: "kube-apiserver-kubelet-client" } });
    await auth.authenticate("t1");
    const user = "user" in who ? who.user : undefined;
    expect(await auth.authorize(user!, nodeAttributes("GET", "/exec/a/b/c", "n"))).toEqual({ allowed: true });
    expect(await auth.authorize(user!, nodeAttributes("GET", "/exec/a/b/c", "n"))).toEqual({ allowed: true });
    expect(await auth.authorize(user!, nodeAttributes("GET", "/stats/summary", "n"))).toMatchObject({ allowed: false });
    expect(calls).toEqual(["tokenreviews", "subjectaccessreviews", "subjectaccessreviews"]);
    now = 1001;
    await auth.authenticate("t1");
    expect(calls.filter((c) => c === "tokenreviews")).toHaveLength(2);
  });

  it("refuses an unknown token, and remembers that only briefly", async () => {
    let now = 0;
    const { client, calls } = reviewer({}, new Set());
    const auth = new WebhookAuth(client, { authenticatedMs: 1000, unauthenticatedMs: 100, allowedMs: 1000, deniedMs: 100 }, () => now);
    expect(await auth.authenticate("nope")).toEqual({ error: "invalid bearer token" });
    await auth.authenticate("nope");
    now = 101;
    await auth.authenticate("nope");
    expect(calls).toEqual(["tokenreviews", "tokenreviews"]);
  });
});
