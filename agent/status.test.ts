import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff";
import type { RuntimeContainer } from "./runtime/docker";
import { computePodStatus, podPhase } from "./status";
import type { ContainerStatus } from "../api/core";
import type { Pod } from "./types";

const pod = (restartPolicy = "Always", names = ["app"]): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", uid: "u1" },
  spec: { restartPolicy, containers: names.map((name) => ({ name, image: "kubelab/web:1" })) },
});

function rc(partial: Partial<RuntimeContainer>): RuntimeContainer {
  return {
    id: partial.id ?? Math.random().toString(16).slice(2),
    dockerName: "",
    podUid: "u1",
    podName: "p",
    podNamespace: "default",
    container: "app",
    isSandbox: false,
    attempt: 0,
    gracePeriodSeconds: 30,
    source: "api",
    state: "running",
    image: "kubelab/web:1",
    imageID: "sha256:abc",
    created: 1_700_000_000,
    startedAt: "2026-11-22T10:00:00.123456789Z",
    ...partial,
  };
}

const sandbox = rc({ id: "sb", container: "POD", isSandbox: true, ip: "172.17.0.9" });
const status = (p: Pod, containers: RuntimeContainer[], waiting = new Map()) =>
  computePodStatus({
    pod: p,
    containers,
    waiting,
    ready: () => true,
    started: () => true,
    hostIP: "127.0.0.9",
    now: "2026-11-22T10:00:05.000Z",
  });

describe("pod status from Docker's view", () => {
  it("reports a running pod as Running and Ready with the sandbox IP", () => {
    const s = status(pod(), [sandbox, rc({ id: "c1" })]);
    expect(s.phase).toBe("Running");
    expect(s.podIP).toBe("172.17.0.9");
    expect(s.conditions!.find((c) => c.type === "Ready")!.status).toBe("True");
    expect(s.containerStatuses![0]).toMatchObject({
      ready: true,
      restartCount: 0,
      containerID: "docker://c1",
      state: { running: { startedAt: "2026-11-22T10:00:00Z" } },
    });
  });

  it("shows CrashLoopBackOff with the last termination and the restart count", () => {
    const waiting = new Map([["app", { reason: "CrashLoopBackOff", message: "back-off 20s" }]]);
    const s = status(pod(), [sandbox, rc({ id: "c2", attempt: 2, state: "exited", exitCode: 1, finishedAt: "2026-11-22T10:00:04Z" })], waiting);
    const c = s.containerStatuses![0]!;
    expect(c.state.waiting).toEqual({ reason: "CrashLoopBackOff", message: "back-off 20s" });
    expect(c.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(c.restartCount).toBe(2);
    expect(s.phase).toBe("Running");
    expect(s.conditions!.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady" });
  });

  it("keeps a pod Pending while an image cannot be pulled", () => {
    const waiting = new Map([["app", { reason: "ErrImagePull", message: "no such host" }]]);
    const s = status(pod(), [sandbox], waiting);
    expect(s.phase).toBe("Pending");
    expect(s.containerStatuses![0]!.state.waiting!.reason).toBe("ErrImagePull");
  });

  it("derives the phase from container states and the restart policy", () => {
    const term = (exitCode: number): ContainerStatus => ({
      name: "x", state: { terminated: { exitCode } }, lastState: {}, ready: false, restartCount: 0, image: "", imageID: "",
    });
    expect(podPhase(pod("Never"), [term(0)])).toBe("Succeeded");
    expect(podPhase(pod("Never"), [term(0), term(2)])).toBe("Failed");
    expect(podPhase(pod("OnFailure"), [term(2)])).toBe("Running");
    expect(podPhase(pod("Always"), [term(0)])).toBe("Running");
  });

  it("keeps condition transition times while nothing changes", () => {
    const first = status(pod(), [sandbox, rc({ id: "c1" })]);
    const second = computePodStatus({
      pod: pod(), containers: [sandbox, rc({ id: "c1" })], waiting: new Map(), ready: () => true, started: () => true,
      hostIP: "127.0.0.9", previous: first, now: "2026-11-22T11:00:00.000Z",
    });
    expect(second).toEqual(first);
  });
});

describe("back-off", () => {
  it("retries at once, then waits initial doubling up to max", () => {
    let now = 0;
    const b = new Backoff({ initialMs: 10_000, maxMs: 40_000, now: () => now });
    expect(b.remaining("k", now)).toBe(0);
    expect(b.next("k")).toBe(10_000);
    expect(b.remaining("k", now)).toBe(10_000);
    now += 10_000;
    expect(b.next("k")).toBe(20_000);
    expect(b.next("k")).toBe(40_000);
    expect(b.next("k")).toBe(40_000);
    now += 100_000; // quiet for more than 2 x max: start over
    expect(b.next("k")).toBe(10_000);
  });
});
