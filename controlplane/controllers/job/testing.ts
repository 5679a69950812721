// Fixtures for the batch controllers' unit tests: Jobs and CronJobs as the API server stores them
// (through api/'s own defaults), pods of a Job in a given phase, and a controller fixture whose
// Job and CronJob caches are seeded from the fake client like the shared ones.
import type { CronJob, Job } from "../../../api/batch";
import { cronjobs, jobs } from "../../../api/batch-resources";
import { JOB_COMPLETION_INDEX } from "../../../api/batch-rules";
import type { Pod } from "../../../api/core";
import { rfc3339 } from "../../../api/time";
import { Informer, indexByNamespace, indexByOwnerUid, type IndexFunc } from "../../../client";
import { controllerRefTo } from "../owner";
import { controllerFixture, T0 } from "../testing";
import { cronJobsResource, jobsResource } from "./resources";

let seq = 1000;

function stored<T>(obj: T & { metadata: Record<string, unknown> }, created: number): T {
  obj.metadata.uid ??= `uid-${obj.metadata.name}`;
  obj.metadata.resourceVersion = String(++seq);
  obj.metadata.creationTimestamp = rfc3339(created);
  obj.metadata.generation = 1;
  return obj;
}

export function newJob(name: string, spec: Record<string, unknown> = {}, o: { restartPolicy?: string; created?: number } = {}): Job {
  const body = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec: { template: { spec: { restartPolicy: o.restartPolicy ?? "Never", containers: [{ name: "main", image: "kubelab/busybox:1.36", command: ["true"] }] } }, ...spec },
  };
  const r = jobs.validate(body, "Strict");
  if (!r.object) throw new Error(JSON.stringify(r.errors));
  return stored(r.object as Job, o.created ?? T0);
}

export function newCronJob(name: string, spec: Record<string, unknown> = {}, created = T0): CronJob {
  const body = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: "default" },
    spec: { schedule: "*/1 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "kubelab/busybox:1.36" }] } } } }, ...spec },
  };
  const r = cronjobs.validate(body, "Strict");
  if (!r.object) throw new Error(JSON.stringify(r.errors));
  return stored(r.object as CronJob, created);
}

export interface JobPodOptions {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  /** When the container finished (ms), for finished pods. */
  finished?: number;
  exitCode?: number;
  index?: number;
  ready?: boolean;
  deleting?: boolean;
  conditions?: Array<{ type: string; status: string }>;
}

export function jobPod(job: Job, name: string, o: JobPodOptions = {}): Pod {
  const phase = o.phase ?? "Running";
  const done = phase === "Succeeded" || phase === "Failed";
  const index = o.index === undefined ? {} : { [JOB_COMPLETION_INDEX]: String(o.index) };
  const conditions = [...(o.conditions ?? []), ...(o.ready === undefined ? [] : [{ type: "Ready", status: o.ready ? "True" : "False" }])];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      resourceVersion: String(++seq),
      creationTimestamp: rfc3339(T0),
      labels: { ...job.spec.template.metadata?.labels, ...index },
      annotations: index,
      ownerReferences: [controllerRefTo({ apiVersion: "batch/v1", kind: "Job", metadata: job.metadata })],
      ...(o.deleting ? { deletionTimestamp: rfc3339(T0) } : {}),
    },
    spec: { restartPolicy: job.spec.template.spec?.restartPolicy, containers: [{ name: "main", image: "kubelab/busybox:1.36" }] },
    status: {
      phase,
      conditions,
      containerStatuses: [
        {
          name: "main",
          ready: false,
          restartCount: 0,
          image: "kubelab/busybox:1.36",
          imageID: "",
          state: done ? { terminated: { exitCode: o.exitCode ?? (phase === "Failed" ? 1 : 0), finishedAt: rfc3339(o.finished ?? T0) } } : { running: {} },
        },
      ],
    },
  } as unknown as Pod;
}

/** controllerFixture plus Job and CronJob caches seeded from the fake's objects. */
export function batchFixture(objects: Array<Job | CronJob | Pod>) {
  const f = controllerFixture(...(objects.filter((o) => o.kind === "Pod") as Pod[]));
  for (const o of objects) if (o.kind === "Job") f.client.add(o, jobsResource);
  for (const o of objects) if (o.kind === "CronJob") f.client.add(o, cronJobsResource);
  const jobInformer = new Informer<Job>({ client: f.client, resource: jobsResource, indexers: { namespace: indexByNamespace as IndexFunc<Job>, owner: indexByOwnerUid as IndexFunc<Job> } });
  jobInformer.seed(...f.client.objects<Job>(jobsResource));
  const cronJobInformer = new Informer<CronJob>({ client: f.client, resource: cronJobsResource, indexers: { namespace: indexByNamespace as IndexFunc<CronJob> } });
  cronJobInformer.seed(...f.client.objects<CronJob>(cronJobsResource));
  return { ...f, jobInformer, cronJobInformer };
}
