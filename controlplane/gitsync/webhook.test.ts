import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { handleGitopsWebhook, parsePush, processWebhook, type WebhookRequest } from "./webhook";

const triggered: string[] = [];
const ctx = {
  trigger: (ns: string, name: string) => void triggered.push(`${ns}/${name}`),
  lookup: async (ns: string, name: string) => (ns === "default" && name === "lab" ? { token: "t0ken", branch: "main" } : undefined),
};
const req = (body: string, headers: Record<string, string>, url = "/hooks/gitops/default/lab", method = "POST"): WebhookRequest => ({ method, url, headers, body: Buffer.from(body) });

describe("gitops webhook handler", () => {
  it("accepts a GitHub push signed with the token and triggers the repository", async () => {
    triggered.length = 0;
    const body = JSON.stringify({ ref: "refs/heads/main", after: "abc" });
    const sig = "sha256=" + createHmac("sha256", "t0ken").update(body).digest("hex");
    const res = await handleGitopsWebhook(req(body, { "x-hub-signature-256": sig, "x-github-event": "push" }), ctx);
    expect(res.status).toBe(202);
    expect(triggered).toEqual(["default/lab"]);
  });
  it("answers GitHub's ping without triggering", async () => {
    triggered.length = 0;
    const res = await handleGitopsWebhook(req("{}", { authorization: "Bearer t0ken", "x-github-event": "ping" }), ctx);
    expect(res.status).toBe(200);
    expect(triggered).toEqual([]);
  });
  it("rejects a signature over a different body", async () => {
    const sig = "sha256=" + createHmac("sha256", "t0ken").update("other").digest("hex");
    expect((await handleGitopsWebhook(req("{}", { "x-hub-signature-256": sig }), ctx)).status).toBe(401);
  });
  it("checks the credentials in the headers before it reads the body", async () => {
    let reads = 0;
    const readBody = async () => (reads++, Buffer.from("{}"));
    const head = (headers: Record<string, string>) => ({ method: "POST", url: "/hooks/gitops/default/lab", headers });
    expect((await processWebhook(head({}), readBody, ctx)).status).toBe(401);
    expect((await processWebhook(head({ authorization: "Bearer wrong" }), readBody, ctx)).status).toBe(401);
    expect((await processWebhook(head({ "x-gitlab-token": "wrong" }), readBody, ctx)).status).toBe(401);
    expect((await processWebhook(head({ "x-hub-signature-256": "sha1=abc" }), readBody, ctx)).status).toBe(401);
    expect((await processWebhook({ ...head({}), url: "/hooks/gitops/default/other" }, readBody, ctx)).status).toBe(404);
    expect(reads).toBe(0);
    expect((await processWebhook(head({ authorization: "Bearer t0ken" }), readBody, ctx)).status).toBe(202);
    expect(reads).toBe(1);
  });
  it("answers a payload that is not a JSON object with 400, and an empty one as a bare sync", async () => {
    const auth = { authorization: "Bearer t0ken" };
    expect((await handleGitopsWebhook(req("{not json", auth), ctx)).status).toBe(400);
    expect((await handleGitopsWebhook(req('"a string"', auth), ctx)).status).toBe(400);
    expect((await handleGitopsWebhook(req("", auth), ctx)).status).toBe(202);
  });
  it("rejects bad paths", async () => {
    expect((await handleGitopsWebhook(req("", {}, "/hooks/gitops/default"), ctx)).status).toBe(404);
  });
  it("answers 404 for a namespace or name no GitRepository can have, without a lookup", async () => {
    const asked: string[] = [];
    // The API refuses such reads with a 400: a lookup that throws stands for it.
    const strict = { ...ctx, lookup: async (ns: string, name: string) => (asked.push(`${ns}/${name}`), Promise.reject(new Error("name may not contain"))) };
    for (const path of ["/hooks/gitops/defa%75l%25/lab", "/hooks/gitops/a%2Fb/lab", "/hooks/gitops/default/UPPER", "/hooks/gitops/%00/lab"]) {
      const res = await processWebhook({ method: "POST", url: path, headers: { authorization: "Bearer t0ken" } }, async () => Buffer.alloc(0), strict);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toMatchObject({ reason: "NotFound", message: expect.stringMatching(/^gitrepositories\.gitops\.kubelab\.io ".*" not found in namespace ".*"$/) });
    }
    expect(asked).toEqual([]);
  });
  it("reads GitHub form payloads and GitLab checkout_sha", () => {
    const form = "payload=" + encodeURIComponent(JSON.stringify({ ref: "refs/heads/x", after: "1" }));
    expect(parsePush(req(form, { "content-type": "application/x-www-form-urlencoded" }))).toEqual({ ref: "refs/heads/x", after: "1" });
    expect(parsePush(req(JSON.stringify({ ref: "refs/heads/y", checkout_sha: "2", after: "3" }), {}))).toEqual({ ref: "refs/heads/y", after: "2" });
  });
});
