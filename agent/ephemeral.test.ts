import { describe, expect, it } from "vitest";
import { ephemeralHostConfig, ephemeralToStart } from "./ephemeral";
import { computePodActions } from "./pod-actions";
import type { RuntimeContainer } from "./runtime/docker";
import { computePodStatus } from "./status";
import type { Pod } from "./types";

const pod: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", uid: "u1" },
  spec: {
    containers: [{ name: "app", image: "kubelab/web:1" }],
    ephemeralContainers: [
      { name: "dbg", image: "kubelab/busybox:1.36", targetContainerName: "app" },
      { name: "plain", image: "kubelab/busybox:1.36" },
    ],
  },
};

function rc(container: string, partial: Partial<RuntimeContainer> = {}): RuntimeContainer {
  return {
    id: `id-${container}`, dockerName: "", podUid: "u1", podName: "p", podNamespace: "default", container,
    isSandbox: container === "POD", attempt: 0, gracePeriodSeconds: 30, source: "api", state: "running",
    image: "kubelab/busybox:1.36", imageID: "sha256:abc", created: 1_700_000_000, startedAt: "2026-11-22T10:00:00Z", ...partial,
  };
}
const noBackoff = { remaining: () => 0, delay: () => undefined };

describe("ephemeral containers on the agent", () => {
  it("starts each once, in the running sandbox, joining the target's PID namespace when it names one", () => {
    const starts = ephemeralToStart(pod, [rc("POD"), rc("app")]);
    expect(starts.map((s) => [s.spec.name, s.pidTarget])).toEqual([["dbg", "id-app"], ["plain", undefined]]);
    expect(ephemeralHostConfig(starts[0]!)).toEqual({ PidMode: "container:id-app" });
    expect(ephemeralHostConfig(starts[1]!)).toEqual({});
  });

  it("never restarts one that ran, and waits for a target that is not running", () => {
    expect(ephemeralToStart(pod, [rc("POD"), rc("app", { state: "exited" }), rc("plain", { state: "exited", exitCode: 1 })])).toEqual([]);
  });

  it("is part of the pod's sync only while its sandbox runs", () => {
    const sync = computePodActions({ pod, containers: [rc("POD"), rc("app")], unhealthy: new Map(), crashBackoff: noBackoff });
    expect(sync.kind === "sync" && sync.ephemeral?.map((e) => e.spec.name)).toEqual(["dbg", "plain"]);
    const fresh = computePodActions({ pod, containers: [], unhealthy: new Map(), crashBackoff: noBackoff });
    expect(fresh.kind === "sync" && fresh.ephemeral).toEqual([]);
  });

  it("reports ephemeralContainerStatuses never ready or restarted, and leaves phase and readiness to the app containers", () => {
    const status = computePodStatus({
      pod,
      containers: [rc("POD", { ip: "10.0.0.2" }), rc("app"), rc("dbg", { state: "exited", exitCode: 0, finishedAt: "2026-11-22T10:00:05Z" })],
      waiting: new Map(),
      ready: () => true,
      started: () => true,
      hostIP: "127.0.0.1",
      now: "2026-11-22T10:00:06Z",
    });
    expect(status.phase).toBe("Running");
    expect(status.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    const [dbg, plain] = status.ephemeralContainerStatuses!;
    expect(dbg).toMatchObject({ name: "dbg", ready: false, restartCount: 0, lastState: {}, state: { terminated: { exitCode: 0, reason: "Completed" } } });
    expect(plain).toMatchObject({ name: "plain", state: { waiting: { reason: "ContainerCreating" } } });
    expect(dbg).not.toHaveProperty("started");
  });
});
