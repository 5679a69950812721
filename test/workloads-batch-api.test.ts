import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";

// batch/v1 as the real kubectl sees it on a real `kubelab server` (no nodes needed): discovery,
// explain, 422s with the field, defaults and the tables.
const NS = "default";
const job = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: NS }, spec });
const cronJob = (name: string, schedule: string, timeZone?: string) => ({
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name, namespace: NS },
  spec: { schedule, ...(timeZone ? { timeZone } : {}), jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "kubelab/busybox:1.36" }] } } } } },
});

describe("batch/v1 served to kubectl", () => {
  let server: TestServer;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    server = await startTestServer({ args: ["--disable-controllers", "all"] });
    kubectl = kubectlFor(server.kubeconfig);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("lists jobs and cronjobs in discovery and explains job.spec", async () => {
    const resources = await kubectl.ok(["api-resources", "--api-group=batch"]);
    expect(resources).toMatch(/cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob/);
    expect(resources).toMatch(/jobs\s+batch\/v1\s+true\s+Job/);
    const explain = await kubectl.ok(["explain", "job.spec"]);
    expect(explain).toContain("backoffLimit");
    expect(explain).toContain("completionMode");
    expect(await kubectl.ok(["explain", "cronjob.spec.schedule"])).toContain("The schedule in Cron format");
  });

  it("refuses restartPolicy Always and a bad schedule with 422 and the field", async () => {
    const r = await kubectl.run(["create", "-f", "-"], JSON.stringify(job("bad", { template: { spec: { restartPolicy: "Always", containers: [{ name: "c", image: "kubelab/busybox:1.36" }] } } })));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Job "bad" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"');
    const cron = await kubectl.run(["create", "-f", "-"], JSON.stringify(cronJob("bad", "61 * * * *")));
    expect(cron.code).not.toBe(0);
    expect(cron.stderr).toContain('The CronJob "bad" is invalid: spec.schedule: Invalid value: "61 * * * *"');
    const tz = await kubectl.run(["create", "-f", "-"], JSON.stringify(cronJob("tz", "0 * * * *", "Mars/Olympus")));
    expect(tz.stderr).toContain('spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus');
  });

  it("stores a Job with Kubernetes' defaults and prints kubectl's columns", async () => {
    await kubectl.ok(["create", "-f", "-"], JSON.stringify(job("pi", { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "kubelab/busybox:1.36", command: ["true"] }] } } })));
    const got = JSON.parse(await kubectl.ok(["-n", NS, "get", "job", "pi", "-o", "json"]));
    expect(got.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false, podReplacementPolicy: "TerminatingOrFailed" });
    expect(Object.keys(got.spec.selector.matchLabels)).toEqual(["batch.kubernetes.io/controller-uid"]);
    expect(got.spec.template.metadata.labels["batch.kubernetes.io/job-name"]).toBe("pi");
    const described = await kubectl.ok(["-n", NS, "describe", "job", "pi"]);
    expect(described).toMatch(/Parallelism:\s+1\nCompletions:\s+1\nCompletion Mode:\s+NonIndexed/);
    expect(described).toMatch(/Pods Statuses:\s+0 Active \/ 0 Succeeded \/ 0 Failed/);
    expect(await kubectl.ok(["-n", NS, "get", "jobs"])).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\npi\s+Running\s+0\/1\s+\d+s\n$/);
    await kubectl.ok(["create", "-f", "-"], JSON.stringify(cronJob("tick", "*/5 * * * *")));
    expect(await kubectl.ok(["-n", NS, "get", "cj"])).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ntick\s+\*\/5 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s\n$/);
  });
});
