import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImages } from "../test/fixtures/docker";
import { consistently } from "../test/fixtures/wait";
import { eventually, podManifest, startTestAgent, type ObservedPod, type TestAgent } from "./testing";
import type { Pod } from "./types";

// Container lifecycle on a real Docker engine, driven through static pods (no API server needed):
// restart policies, CrashLoopBackOff, image pull errors, probes, env, volumes, securityContext, logs.
describe("pod lifecycle on Docker", () => {
  let agent: TestAgent;

  beforeAll(async () => {
    await ensureImages();
    agent = await startTestAgent({
      address: "127.0.0.22",
      args: ["--crashloop-backoff-initial", "1s", "--crashloop-backoff-max", "8s", "--image-pull-backoff-initial", "1s"],
    });
  });
  afterAll(async () => {
    await agent?.cleanup();
  });

  const drop = (name: string, spec: Record<string, unknown>) =>
    writeFileSync(join(agent.manifestDir, `${name}.json`), podManifest(name, spec));
  const pod = async (name: string): Promise<ObservedPod | undefined> =>
    (await agent.pods()).find((p) => p.metadata.name === `${name}-${agent.nodeName}`);
  const logs = async (name: string, container: string, query = ""): Promise<string> => {
    const res = await fetch(`http://${agent.address}:${agent.port}/containerLogs/default/${name}-${agent.nodeName}/${container}${query}`);
    return res.text();
  };

  it("backs off a crashing container with growing delays (CrashLoopBackOff)", async () => {
    drop("crasher", {
      containers: [{ name: "crash", image: "kubelab/busybox:1.36", command: ["sh", "-c", "echo crashing; exit 1"] }],
    });
    const restartSeenAt = new Map<number, number>();
    const delaysSeen: number[] = [];
    await eventually(async () => {
      const s = (await pod("crasher"))?.status?.containerStatuses?.[0];
      if (!s) return false;
      if (!restartSeenAt.has(s.restartCount)) restartSeenAt.set(s.restartCount, Date.now());
      const w = s.state.waiting;
      if (w?.reason === "CrashLoopBackOff") {
        expect(w.message).toMatch(/^back-off \d+s restarting failed container=crash pod=crasher-/);
        const delay = Number(/back-off (\d+)s/.exec(w.message ?? "")![1]);
        if (delaysSeen.at(-1) !== delay) delaysSeen.push(delay);
      }
      return s.restartCount >= 4;
    }, 40_000, "4 restarts");
    // The delay doubles from restart to restart (1 s, 2 s, 4 s with these flags)...
    expect(delaysSeen.length).toBeGreaterThanOrEqual(2);
    expect([...delaysSeen].sort((a, b) => a - b)).toEqual(delaysSeen);
    expect(delaysSeen.at(-1)).toBeGreaterThanOrEqual(4);
    // ...and the restarts really come further apart.
    const gap = (n: number) => restartSeenAt.get(n + 1)! - restartSeenAt.get(n)!;
    expect(gap(3)).toBeGreaterThan(gap(1));
    const p = (await pod("crasher"))!;
    expect(p.status!.containerStatuses![0]!.lastState.terminated?.exitCode).toBe(1);
    expect(await logs("crasher", "crash", "?previous=true")).toBe("crashing\n");
  });

  it("reports ErrImagePull for a missing image while another pod runs", async () => {
    drop("missing-image", { containers: [{ name: "app", image: "kubelab/does-not-exist:1" }] });
    drop("neighbour", { containers: [{ name: "web", image: "kubelab/web:2" }] });
    const waiting = await eventually(async () => {
      const s = (await pod("missing-image"))?.status?.containerStatuses?.[0];
      const w = s?.state.waiting;
      return w && (w.reason === "ErrImagePull" || w.reason === "ImagePullBackOff") ? w : undefined;
    }, 20_000, "ErrImagePull");
    expect(waiting.message).toMatch(/kubelab\/does-not-exist:1/);
    const n = await eventually(async () => {
      const p = await pod("neighbour");
      return p?.status?.phase === "Running" ? p : undefined;
    }, 20_000, "neighbour Running");
    expect(n.status!.containerStatuses![0]!.ready).toBe(true);
    expect((await pod("missing-image"))!.status!.phase).toBe("Pending");
  });

  it("restarts a container whose liveness probe fails, and keeps a healthy one", async () => {
    drop("unhealthy", {
      containers: [{
        name: "web",
        image: "kubelab/web:1",
        livenessProbe: { httpGet: { path: "/healthz", port: 80 }, periodSeconds: 1, failureThreshold: 2 },
      }],
    });
    drop("healthy", {
      containers: [{
        name: "web",
        image: "kubelab/web:1",
        ports: [{ name: "http", containerPort: 80 }],
        livenessProbe: { tcpSocket: { port: "http" }, periodSeconds: 1, failureThreshold: 1 },
      }],
    });
    await eventually(async () => ((await pod("unhealthy"))?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 30_000, "liveness restart");
    const healthy = await eventually(async () => {
      const p = await pod("healthy");
      return p?.status?.phase === "Running" ? p : undefined;
    });
    expect(healthy.status!.containerStatuses![0]!.restartCount).toBe(0);
    // A passing probe never restarts the container: three probe periods without a restart.
    await consistently(async () => (await pod("healthy"))?.status?.containerStatuses?.[0]?.restartCount === 0, 3000, "healthy not restarted");
  });

  it("keeps a container not ready while its readiness probe fails", async () => {
    drop("readiness", {
      containers: [{
        name: "app",
        image: "kubelab/busybox:1.36",
        command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"],
        readinessProbe: { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1 },
      }],
    });
    const notReady = await eventually(async () => {
      const p = await pod("readiness");
      return p?.status?.phase === "Running" && p.status.containerStatuses?.[0]?.state.running ? p : undefined;
    });
    // Running but failing its probe: stays not ready (and the pod not Ready) over a few periods.
    await consistently(async () => {
      const p = await pod("readiness");
      return p?.status?.containerStatuses?.[0]?.ready === false && p.status.conditions?.find((c) => c.type === "Ready")?.status === "False";
    }, 2000, "readiness container not ready");
    const id = notReady.status!.containerStatuses![0]!.containerID!.replace("docker://", "");
    execFileSync("docker", ["exec", id, "touch", "/tmp/ready"]);
    await eventually(async () => (await pod("readiness"))?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True", 10_000, "Ready");
  });

  it("follows restartPolicy Never and OnFailure to Succeeded and Failed", async () => {
    drop("done-ok", { restartPolicy: "Never", containers: [{ name: "job", image: "kubelab/busybox:1.36", command: ["true"] }] });
    drop("done-bad", { restartPolicy: "Never", containers: [{ name: "job", image: "kubelab/busybox:1.36", command: ["sh", "-c", "exit 3"] }] });
    drop("retry-once", {
      restartPolicy: "OnFailure",
      volumes: [{ name: "state", emptyDir: {} }],
      containers: [{
        name: "job",
        image: "kubelab/busybox:1.36",
        command: ["sh", "-c", "if [ -f /state/x ]; then exit 0; fi; touch /state/x; exit 1"],
        volumeMounts: [{ name: "state", mountPath: "/state" }],
      }],
    });
    await eventually(async () => (await pod("done-ok"))?.status?.phase === "Succeeded", 20_000, "Succeeded");
    const bad = await eventually(async () => {
      const p = await pod("done-bad");
      return p?.status?.phase === "Failed" ? p : undefined;
    }, 20_000, "Failed");
    expect(bad.status!.containerStatuses![0]!.state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    const retried = await eventually(async () => {
      const p = await pod("retry-once");
      return p?.status?.phase === "Succeeded" ? p : undefined;
    }, 20_000, "OnFailure Succeeded");
    expect(retried.status!.containerStatuses![0]!.restartCount).toBe(1);
  });

  it("gives containers their env, volumes, user and read-only root filesystem", async () => {
    drop("config", {
      restartPolicy: "Never",
      volumes: [{ name: "shared", emptyDir: {} }],
      containers: [{
        name: "show",
        image: "kubelab/busybox:1.36",
        command: ["sh", "-c"],
        args: [
          "echo name=$POD_NAME ns=$POD_NAMESPACE ip=$POD_IP node=$NODE greeting=$GREETING uid=$(id -u); " +
          "echo hi > /data/file && cat /data/file; touch /not-allowed 2>/dev/null || echo read-only; pwd",
        ],
        workingDir: "/data",
        env: [
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "WHO", value: "kubelab" },
          { name: "GREETING", value: "hello-$(WHO)" },
        ],
        volumeMounts: [{ name: "shared", mountPath: "/data" }],
        securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true },
      }],
    });
    const p = await eventually(async () => {
      const x = await pod("config");
      return x?.status?.phase === "Succeeded" ? x : undefined;
    }, 20_000, "config pod done");
    const out = await logs("config", "show");
    expect(out).toBe(
      `name=config-${agent.nodeName} ns=default ip=${p.status!.podIP} node=${agent.nodeName} greeting=hello-kubelab uid=1000\nhi\nread-only\n/data\n`,
    );
  });

  it("runs init containers to completion, in order, before the app containers", async () => {
    drop("with-init", {
      restartPolicy: "Never",
      volumes: [{ name: "work", emptyDir: {} }],
      initContainers: [
        { name: "first", image: "kubelab/busybox:1.36", command: ["sh", "-c", "echo one > /work/log"], volumeMounts: [{ name: "work", mountPath: "/work" }] },
        { name: "second", image: "kubelab/busybox:1.36", command: ["sh", "-c", "echo two >> /work/log"], volumeMounts: [{ name: "work", mountPath: "/work" }] },
      ],
      containers: [{ name: "app", image: "kubelab/busybox:1.36", command: ["cat", "/work/log"], volumeMounts: [{ name: "work", mountPath: "/work" }] }],
    });
    drop("init-fails", {
      restartPolicy: "Never",
      initContainers: [{ name: "setup", image: "kubelab/busybox:1.36", command: ["sh", "-c", "exit 7"] }],
      containers: [{ name: "app", image: "kubelab/busybox:1.36", command: ["true"] }],
    });
    const done = await eventually(async () => {
      const p = await pod("with-init");
      return p?.status?.phase === "Succeeded" ? p : undefined;
    }, 20_000, "with-init Succeeded");
    expect(done.status!.initContainerStatuses!.map((c) => [c.name, c.ready, c.state.terminated?.reason])).toEqual([
      ["first", true, "Completed"],
      ["second", true, "Completed"],
    ]);
    expect(await logs("with-init", "app")).toBe("one\ntwo\n");
    const failed = await eventually(async () => {
      const p = await pod("init-fails");
      return p?.status?.phase === "Failed" ? p : undefined;
    }, 20_000, "init-fails Failed");
    expect(failed.status!.initContainerStatuses![0]!.state.terminated?.exitCode).toBe(7);
    expect(failed.status!.conditions!.find((c) => c.type === "Initialized")?.status).toBe("False");
    expect(failed.status!.containerStatuses![0]!.state.waiting?.reason).toBe("PodInitializing");
  });

  it("keeps a pod in ContainerCreating while its host port is taken, without holding up others", async () => {
    const port = 18000 + Math.floor(Math.random() * 1000);
    const spec = { containers: [{ name: "web", image: "kubelab/web:1", ports: [{ containerPort: 80, hostPort: port }] }] };
    drop("port-owner", spec);
    await eventually(async () => (await pod("port-owner"))?.status?.phase === "Running", 20_000, "port-owner Running");
    drop("port-loser", spec);
    const loser = await eventually(async () => {
      const p = await pod("port-loser");
      return p?.status?.containerStatuses?.[0]?.state.waiting?.reason === "ContainerCreating" ? p : undefined;
    }, 20_000, "port-loser waiting");
    expect(loser.status!.phase).toBe("Pending");
    expect(await (await fetch(`http://${agent.address}:${port}/`)).text()).toBe("kubelab web v1\n");
  });

  it("turns resource limits and capabilities into Docker's settings", async () => {
    drop("limited", {
      containers: [{
        name: "app",
        image: "kubelab/busybox:1.36",
        command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"],
        resources: { limits: { memory: "64Mi", cpu: "500m" }, requests: { memory: "64Mi", cpu: "500m" } },
        securityContext: { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } },
      }],
    });
    const p = await eventually(async () => {
      const x = await pod("limited");
      return x?.status?.phase === "Running" ? x : undefined;
    }, 20_000, "limited Running");
    expect(p.status!.qosClass).toBe("Guaranteed");
    const id = p.status!.containerStatuses![0]!.containerID!.replace("docker://", "");
    const host = JSON.parse(execFileSync("docker", ["inspect", "--format", "{{json .HostConfig}}", id]).toString()) as Record<string, unknown>;
    expect(host).toMatchObject({ Memory: 64 * 1024 * 1024, NanoCpus: 500_000_000, CapDrop: ["ALL"], CapAdd: ["CAP_NET_BIND_SERVICE"] });
  });

  it("refuses to run a root container under runAsNonRoot", async () => {
    drop("nonroot", {
      containers: [{ name: "app", image: "kubelab/busybox:1.36", command: ["sleep", "60"], securityContext: { runAsNonRoot: true } }],
    });
    const w = await eventually(async () => (await pod("nonroot"))?.status?.containerStatuses?.[0]?.state.waiting?.reason === "CreateContainerConfigError" ? (await pod("nonroot"))!.status!.containerStatuses![0]!.state.waiting : undefined);
    expect(w!.message).toBe("container has runAsNonRoot and image will run as root");
  });
});
