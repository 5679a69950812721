import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff";
import { computePodActions, type ContainerAction, type PodActions } from "./pod-actions";
import type { RuntimeContainer } from "./runtime/docker";
import { containerHash, SANDBOX_CONTAINER_NAME } from "./runtime/labels";
import type { Container } from "../api/core";
import type { Pod } from "./types";

// computePodActions without Docker: the pod and a list of containers as the relist shows them go
// in, the decision comes out (kill/create the sandbox, which container starts or is killed and why,
// who waits for CrashLoopBackOff).

const NOW = Date.parse("2026-12-01T21:00:00Z");
const web: Container = { name: "web", image: "kubelab/web:1" };

function pod(spec: Partial<Pod["spec"]> = {}, meta: Partial<Pod["metadata"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u1", ...meta },
    spec: { containers: [web], ...spec },
  };
}

let nextId = 0;
function container(name: string, state: RuntimeContainer["state"], extra: Partial<RuntimeContainer> = {}): RuntimeContainer {
  const isSandbox = name === SANDBOX_CONTAINER_NAME;
  return {
    id: `c${nextId++}`,
    dockerName: `k8s_${name}`,
    podUid: "u1",
    podName: "p",
    podNamespace: "default",
    container: name,
    isSandbox,
    attempt: 0,
    hash: isSandbox ? undefined : containerHash(web),
    gracePeriodSeconds: 30,
    source: "api",
    state,
    image: "",
    imageID: "",
    created: NOW / 1000 - 60,
    ...(state === "exited" ? { exitCode: 0, finishedAt: new Date(NOW - 1000).toISOString() } : {}),
    ...extra,
  };
}
const sandbox = (state: RuntimeContainer["state"] = "running", extra: Partial<RuntimeContainer> = {}) => container(SANDBOX_CONTAINER_NAME, state, extra);

function backoff(): Backoff {
  return new Backoff({ initialMs: 10_000, maxMs: 300_000, now: () => NOW });
}

function decide(p: Pod, containers: RuntimeContainer[], opts: { unhealthy?: Map<string, string>; crash?: Backoff } = {}): PodActions {
  return computePodActions({ pod: p, containers, unhealthy: opts.unhealthy ?? new Map(), crashBackoff: opts.crash ?? backoff() });
}

function sync(actions: PodActions): Extract<PodActions, { kind: "sync" }> {
  expect(actions.kind).toBe("sync");
  return actions as Extract<PodActions, { kind: "sync" }>;
}
const only = (actions: PodActions): ContainerAction => sync(actions).containers[0]!;

describe("computePodActions", () => {
  it("creates the sandbox and starts every container of a new pod", () => {
    const a = sync(decide(pod(), []));
    expect(a.createSandbox).toEqual({ attempt: 0, stopFirst: [], removeOld: undefined });
    expect(a.containers.map((c) => [c.spec.name, c.start])).toEqual([["web", { attempt: 0, restart: false }]]);
  });

  it("keeps a running, healthy, unchanged container", () => {
    const a = sync(decide(pod(), [sandbox(), container("web", "running")]));
    expect(a.createSandbox).toBeUndefined();
    expect(only(a)).toMatchObject({ clearWaiting: true });
    expect(only(a).start).toBeUndefined();
    expect(only(a).kill).toBeUndefined();
  });

  it("replaces a dead sandbox: stops the old sandbox's containers and restarts them at once, back-off or not", () => {
    const old = sandbox("exited", { attempt: 2 });
    const app = container("web", "running", { attempt: 3 });
    const crash = backoff();
    crash.next("u1/web");
    crash.next("u1/web");
    const a = sync(decide(pod(), [old, app], { crash }));
    expect(a.createSandbox).toEqual({ attempt: 3, stopFirst: [app], removeOld: old });
    expect(only(a).start).toEqual({ attempt: 4, restart: true });
    expect(only(a).backoff).toBeUndefined();
  });

  describe("restart policies for an exited container", () => {
    const cases: Array<[string, number, boolean]> = [
      ["Always", 0, true],
      ["Always", 1, true],
      ["OnFailure", 1, true],
      ["OnFailure", 0, false],
      ["Never", 1, false],
    ];
    for (const [policy, exitCode, restarts] of cases) {
      it(`${policy}, exit code ${exitCode}: ${restarts ? "restarts" : "stays down"}`, () => {
        const p = pod({ restartPolicy: policy, containers: [web, { name: "side", image: "kubelab/busybox" }] });
        // A second, running container keeps the pod from being finished.
        const side = container("side", "running", { hash: containerHash({ name: "side", image: "kubelab/busybox" }) });
        const a = only(decide(p, [sandbox(), container("web", "exited", { exitCode }), side]));
        expect(a.start !== undefined).toBe(restarts);
        if (!restarts) expect(a.clearWaiting).toBe(true);
      });
    }
  });

  it("waits out CrashLoopBackOff and restarts once it has passed", () => {
    const crash = backoff();
    crash.next("u1/web"); // one restart already: the next waits 10 s
    const justDied = container("web", "exited", { exitCode: 1, attempt: 1, finishedAt: new Date(NOW - 4000).toISOString() });
    const a = only(decide(pod(), [sandbox(), justDied], { crash }));
    expect(a.start).toBeUndefined();
    expect(a.backoff).toEqual({ delayMs: 10_000, remainingMs: 6000 });
    const longAgo = container("web", "exited", { exitCode: 1, attempt: 1, finishedAt: new Date(NOW - 11_000).toISOString() });
    expect(only(decide(pod(), [sandbox(), longAgo], { crash })).start).toEqual({ attempt: 2, restart: true });
  });

  it("kills a container whose liveness failed and starts the next attempt (not under Never)", () => {
    const app = container("web", "running", { attempt: 1 });
    const unhealthy = new Map([[app.id, "liveness probe"]]);
    const a = only(decide(pod(), [sandbox(), app], { unhealthy }));
    expect(a.kill).toEqual({ container: app, message: "Container web failed liveness probe, will be restarted" });
    expect(a.start).toEqual({ attempt: 2, restart: true });
    const never = only(decide(pod({ restartPolicy: "Never" }), [sandbox(), app], { unhealthy }));
    expect(never.kill?.container).toBe(app);
    expect(never.start).toBeUndefined();
  });

  it("replaces a container whose spec changed (hash), even under Never", () => {
    const app = container("web", "running", { hash: "stale" });
    const a = only(decide(pod({ restartPolicy: "Never" }), [sandbox(), app]));
    expect(a.kill?.message).toBe("Container web definition changed, will be restarted");
    expect(a.start).toEqual({ attempt: 1, restart: true });
  });

  it("removes dead containers beyond the two kept for logs", () => {
    const history = [0, 1, 2, 3].map((attempt) => container("web", "exited", { attempt, exitCode: 1, finishedAt: new Date(NOW - 60_000).toISOString() }));
    const a = only(decide(pod(), [sandbox(), ...history]));
    expect(a.removeDead.map((c) => c.attempt).sort()).toEqual([0, 1]);
    expect(a.start).toEqual({ attempt: 4, restart: true });
  });

  it("runs init containers one at a time, before any app container", () => {
    const p = pod({ initContainers: [{ name: "init-a", image: "kubelab/busybox" }, { name: "init-b", image: "kubelab/busybox" }] });
    expect(sync(decide(p, [sandbox()])).init).toMatchObject({ kind: "start", spec: { name: "init-a" }, start: { attempt: 0 } });
    expect(sync(decide(p, [sandbox(), container("init-a", "running")])).init).toMatchObject({ kind: "wait" });
    const aDone = container("init-a", "exited", { exitCode: 0 });
    const b = sync(decide(p, [sandbox(), aDone]));
    expect(b.init).toMatchObject({ kind: "start", spec: { name: "init-b" } });
    expect(b.containers).toEqual([]);
    const all = sync(decide(p, [sandbox(), aDone, container("init-b", "exited", { exitCode: 0 })]));
    expect(all.init).toBeUndefined();
    expect(all.containers[0]?.start).toEqual({ attempt: 0, restart: false });
  });

  it("backs off a failing init container, and gives up on it under Never", () => {
    const p = pod({ initContainers: [{ name: "init", image: "kubelab/busybox" }] });
    const crash = backoff();
    crash.next("u1/init");
    const failed = container("init", "exited", { exitCode: 1, finishedAt: new Date(NOW - 1000).toISOString() });
    expect(sync(decide(p, [sandbox(), failed], { crash })).init).toMatchObject({ kind: "backoff", backoff: { delayMs: 10_000, remainingMs: 9000 } });
    expect(sync(decide(pod({ ...p.spec, restartPolicy: "Never" }), [sandbox(), failed], { crash })).init).toMatchObject({ kind: "wait" });
  });

  it("stops only the sandbox of a finished pod (OnFailure, all succeeded)", () => {
    const sb = sandbox();
    expect(decide(pod({ restartPolicy: "OnFailure" }), [sb, container("web", "exited", { exitCode: 0 })])).toEqual({ kind: "finished", stopSandbox: sb });
    expect(decide(pod({ restartPolicy: "Never" }), [sandbox("exited"), container("web", "exited", { exitCode: 2 })])).toEqual({ kind: "finished", stopSandbox: undefined });
  });

  it("kills a deleted pod with its deletion grace period, then reports it terminated", () => {
    const p = pod({ terminationGracePeriodSeconds: 30 }, { deletionTimestamp: "2026-12-01T21:00:00Z", deletionGracePeriodSeconds: 5 });
    const all = [sandbox(), container("web", "running")];
    expect(decide(p, all)).toEqual({ kind: "kill", containers: all, gracePeriodSeconds: 5 });
    expect(decide(p, [])).toEqual({ kind: "terminated" });
  });
});
