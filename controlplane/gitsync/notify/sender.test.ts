// The sender against a real HTTP receiver on loopback: the body, the signature, retries on 5xx and
// on a receiver that is down, and that notify() never waits for any of it.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import type { Secret } from "../../../api/core";
import type { GitRepository } from "../../../api/gitops";
import { FakeClient } from "../../../client/fake";
import { eventually } from "../../../test/fixtures/wait";
import { Notifier, signature } from "./sender";

const log = pino({ level: "silent" });
const b64 = (s: string) => Buffer.from(s).toString("base64");

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A receiver that answers each POST with the next status in `codes` (then 200). */
async function receiver(codes: number[] = []): Promise<{ url: string; got: Received[] }> {
  const got: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.statusCode = codes.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

function setup(address: string, notify: GitRepository["spec"]["notify"] = { secretRef: { name: "hook" } }) {
  const secret: Secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "hook", namespace: "apps" }, data: { address: b64(address), token: b64("s3cret") } };
  const client = new FakeClient(secret);
  const metrics = new Registry();
  const notifier = new Notifier({ client, logger: log, metrics, retry: { attempts: 3, baseMs: 10, maxMs: 40 }, timeoutMs: 500 });
  const repo: GitRepository = {
    apiVersion: "gitops.kubelab.io/v1alpha1",
    kind: "GitRepository",
    metadata: { name: "site", namespace: "apps" },
    spec: { url: "file:///x", notify },
    status: { lastAttemptedRevision: "main@sha1:" + "a".repeat(40), errors: [{ file: "b.yaml", line: 3, message: "spec.replicas: Invalid value" }] },
  };
  const counted = async (result: string) => (await metrics.getSingleMetricAsString("gitsync_notifications_total")).split("\n").filter((l) => l.includes(`result="${result}"`)).map((l) => Number(l.split(" ").pop())).reduce((a, b) => a + b, 0);
  return { notifier, repo, counted };
}

describe("git-sync notifications", () => {
  it("POSTs one signed JSON body naming the repository, revision, commit and errors", async () => {
    const rx = await receiver();
    const { notifier, repo, counted } = setup(rx.url);
    notifier.notify(repo, [{ event: "failed", message: "1 error in main@sha1:aaa" }], { sha: "a".repeat(40), message: "break it", author: "Ada <ada@example.org>" });
    await notifier.drain();
    expect(rx.got).toHaveLength(1);
    const body = JSON.parse(rx.got[0]!.body);
    expect(body).toMatchObject({
      repository: { namespace: "apps", name: "site" },
      event: "failed",
      revision: "main@sha1:" + "a".repeat(40),
      commit: { message: "break it", author: "Ada <ada@example.org>" },
      errors: [{ file: "b.yaml", line: 3 }],
    });
    expect(rx.got[0]!.headers["x-signature"]).toBe(signature("s3cret", rx.got[0]!.body));
    expect(rx.got[0]!.headers["content-type"]).toBe("application/json");
    expect(await counted("sent")).toBe(1);
  });

  it("retries a 503 with backoff until the receiver takes it, and gives up on a 400 at once", async () => {
    const rx = await receiver([503, 503]);
    const { notifier, repo, counted } = setup(rx.url);
    notifier.notify(repo, [{ event: "recovered", message: "healthy" }]);
    await notifier.drain();
    expect(rx.got).toHaveLength(3);
    expect(new Set(rx.got.map((g) => g.body)).size).toBe(1);
    expect(await counted("sent")).toBe(1);

    const bad = await receiver([400]);
    const second = setup(bad.url);
    second.notifier.notify(second.repo, [{ event: "applied", message: "ok" }]);
    await second.notifier.drain();
    expect(bad.got).toHaveLength(1);
    expect(await second.counted("failed")).toBe(1);
  });

  it("never waits for a receiver that is down: notify returns at once, retries, then counts it failed", async () => {
    const rx = await receiver();
    const url = rx.url;
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const { notifier, repo, counted } = setup(url);
    const started = performance.now();
    notifier.notify(repo, [{ event: "degraded", message: "Job apps/migrate failed" }]);
    expect(performance.now() - started).toBeLessThan(50);
    await eventually(async () => expect(await counted("failed")).toBe(1), { timeoutMs: 5_000 });
  });

  it("sends a Slack-compatible body when asked, and only the events asked for", async () => {
    const rx = await receiver();
    const { notifier, repo } = setup(rx.url, { secretRef: { name: "hook" }, format: "slack", events: ["failed"] });
    notifier.notify(repo, [{ event: "applied", message: "ok" }, { event: "failed", message: "1 error" }]);
    await notifier.drain();
    expect(rx.got).toHaveLength(1);
    const body = JSON.parse(rx.got[0]!.body);
    expect(Object.keys(body)).toEqual(["text"]);
    expect(body.text).toContain("GitRepository apps/site failed");
    expect(body.text).toContain("b.yaml:3: spec.replicas: Invalid value");
  });
});
