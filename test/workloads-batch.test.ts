import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// batch/v1 through a real `kubelab server` (its own scheduler and controllers) and a real agent
// on Docker, driven with the real kubectl: Jobs run to Complete or Failed, a CronJob starts Jobs.
const ADDRESS = "127.0.0.61";
const NS = "batch-e2e";

const job = (name: string, spec: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  namespace: ${NS}
spec:
${spec}
`;

describe("Jobs and CronJobs on a real cluster", () => {
  let server: TestServer;
  let agent: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    await ensureImages();
    server = await startTestServer({ secure: true });
    kubectl = kubectlFor(server.kubeconfig);
    agent = await startTestAgent({ address: ADDRESS, server, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.244.61.0/24"] });
    await kubectl.ok(["create", "namespace", NS]);
    await eventually(async () => (await kubectl.run(["get", "node", agent.nodeName])).code === 0, 30_000, "node registered");
  }, 90_000);
  afterAll(async () => {
    await agent?.cleanup();
    await server?.stop();
  });

  it("runs a Job of completions 3, parallelism 2 to Complete; kubectl wait returns", async () => {
    await kubectl.ok(
      ["apply", "-f", "-"],
      job("ok", "  completions: 3\n  parallelism: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: kubelab/busybox:1.36\n        command: [\"true\"]\n"),
    );
    const wait = await kubectl.run(["-n", NS, "wait", "--for=condition=Complete", "job/ok", "--timeout=90s"]);
    expect(wait.stderr).toBe("");
    expect(wait.code).toBe(0);
    const got = JSON.parse(await kubectl.ok(["-n", NS, "get", "job", "ok", "-o", "json"]));
    expect(got.status).toMatchObject({ succeeded: 3, active: 0 });
    expect(got.status.completionTime).toBeDefined();
    const table = await kubectl.ok(["-n", NS, "get", "jobs", "ok"]);
    expect(table).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/);
    expect(table).toMatch(/\nok\s+Complete\s+3\/3\s+/);
    const pods = JSON.parse(await kubectl.ok(["-n", NS, "get", "pods", "-l", "batch.kubernetes.io/job-name=ok", "-o", "json"]));
    expect(pods.items.filter((p: { status: { phase: string } }) => p.status.phase === "Succeeded")).toHaveLength(3);
  }, 120_000);

  it("backs off a failing Job and ends it Failed with BackoffLimitExceeded", async () => {
    await kubectl.ok(["apply", "-f", "-"], job("fail", "  backoffLimit: 1\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: kubelab/busybox:1.36\n        command: [\"false\"]\n"));
    const wait = await kubectl.run(["-n", NS, "wait", "--for=condition=Failed", "job/fail", "--timeout=100s"]);
    expect(wait.code).toBe(0);
    const got = JSON.parse(await kubectl.ok(["-n", NS, "get", "job", "fail", "-o", "json"]));
    const failed = got.status.conditions.find((c: { type: string }) => c.type === "Failed");
    expect(failed).toMatchObject({ status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(got.status.failed).toBe(2);
    // Events are written a moment after what they report (off the controller's path).
    await eventually(async () => (await kubectl.ok(["-n", NS, "get", "events", "--field-selector", "involvedObject.name=fail"])).includes("BackoffLimitExceeded"), 20_000, "the BackoffLimitExceeded event");
  }, 150_000);

  it("has a CronJob at */1 * * * * start a Job within about 70 s", async () => {
    // `kubectl create cronjob` sends protobuf, which kubelab's API server does not decode for batch/v1 yet.
    const cron = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
  namespace: ${NS}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: c
            image: kubelab/busybox:1.36
            command: ["true"]
`;
    await kubectl.ok(["apply", "-f", "-"], cron);
    const name = await eventually(
      async () => {
        const list = JSON.parse(await kubectl.ok(["-n", NS, "get", "jobs", "-o", "json"]));
        return list.items.map((j: { metadata: { name: string } }) => j.metadata.name).find((n: string) => /^tick-\d+$/.test(n));
      },
      { timeoutMs: 75_000, intervalMs: 1000, what: "a Job of CronJob tick" },
    );
    const jobJson = JSON.parse(await kubectl.ok(["-n", NS, "get", "job", name, "-o", "json"]));
    expect(jobJson.metadata.ownerReferences[0]).toMatchObject({ kind: "CronJob", name: "tick", controller: true });
    const cj = await eventually(async () => {
      const c = JSON.parse(await kubectl.ok(["-n", NS, "get", "cronjob", "tick", "-o", "json"]));
      return c.status?.lastScheduleTime ? c : undefined;
    }, 10_000, "lastScheduleTime");
    expect(Number(name.slice("tick-".length))).toBe(Math.floor(Date.parse(cj.status.lastScheduleTime) / 60_000));
    expect(await kubectl.ok(["-n", NS, "get", "cronjobs"])).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\n/);
  }, 100_000);
});
