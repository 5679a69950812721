import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { freePort, startTestAgent, type TestAgent } from "../agent/testing";
import { removePodNetworks } from "../agent/network/teardown";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// kubectl port-forward as kubectl 1.32 does it: SPDY/3.1 tunneled through a WebSocket (the
// default), and the plain SPDY upgrade it falls back to; the agent joins each connection to the
// pod's IP and port.
const id = randomBytes(3).toString("hex");
const NS = `pf-${id}`;
const web = { name: "c", image: "kubelab/web:1", ports: [{ containerPort: 80 }] };

interface Forward {
  proc: ChildProcess;
  port: number;
  output: () => string;
}

describe("kubectl port-forward", () => {
  let server: TestServer;
  let agent: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;
  const forwards: ChildProcess[] = [];

  /** Starts `kubectl port-forward target LOCAL:remote` and waits until it listens. */
  const forward = async (target: string, remote: number, env: Record<string, string> = {}, flags: string[] = []): Promise<Forward> => {
    const port = await freePort();
    // The fixture's spawn inherits this process's environment, read at spawn time.
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const proc = kubectl.spawn([...flags, "-n", NS, "port-forward", target, `${port}:${remote}`]);
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
    forwards.push(proc);
    let out = "";
    proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    await eventually(() => out.includes(`Forwarding from 127.0.0.1:${port} -> ${remote}`) || proc.exitCode !== null, 20_000, `kubectl port-forward ${target} listening`);
    expect(proc.exitCode, out).toBeNull();
    return { proc, port, output: () => out };
  };
  const get = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`)).text();

  beforeAll(async () => {
    await ensureImages();
    server = await startTestServer({ secure: true });
    kubectl = kubectlFor(server.kubeconfig);
    agent = await startTestAgent({ address: "127.0.0.83", nodeName: `pf-${id}`, kubeconfig: server.kubeconfig, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.244.83.0/24"] });
    await kubectl.ok(["create", "namespace", NS]);
    const objects = [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: NS }, spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 1, containers: [web] } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: NS },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "web" } },
          template: { metadata: { labels: { app: "web" } }, spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 1, containers: [web] } },
        },
      },
    ];
    await kubectl.ok(["apply", "-f", "-"], objects.map((o) => stringify(o)).join("---\n"));
    await eventually(async () => {
      const list = JSON.parse(await kubectl.ok(["-n", NS, "get", "pods", "-o", "json"])) as { items: Array<{ status: { phase?: string } }> };
      return list.items.length === 2 && list.items.every((p) => p.status.phase === "Running");
    }, 60_000, "both pods running");
  }, 120_000);

  afterAll(async () => {
    for (const p of forwards) p.kill();
    await agent?.cleanup();
    if (agent) await removePodNetworks([agent.nodeName]);
    await server?.stop();
  });

  it("serves curl through pod/web (WebSocket tunnel) with many connections at once", async () => {
    const f = await forward("pod/web", 80, {}, ["-v=4"]);
    expect(await get(f.port)).toBe("kubelab web v1\n");
    // kubectl says which dialer won: the WebSocket tunnel, without falling back.
    expect(f.output()).toContain("negotiated protocol: portforward.k8s.io");
    expect(f.output()).not.toContain("fallback to secondary dialer");
    const answers = await Promise.all(Array.from({ length: 40 }, () => get(f.port)));
    expect(answers.every((a) => a === "kubelab web v1\n")).toBe(true);
    expect(f.proc.exitCode).toBeNull();
  });

  it("serves curl through deploy/web", async () => {
    const f = await forward("deploy/web", 80);
    expect(await get(f.port)).toBe("kubelab web v1\n");
  });

  it("works over the plain SPDY upgrade kubectl falls back to", async () => {
    const f = await forward("pod/web", 80, { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }, ["-v=4"]);
    expect(await get(f.port)).toBe("kubelab web v1\n");
    expect(f.output()).not.toContain("negotiated protocol: portforward.k8s.io");
  });

  it("reports a closed port as kubectl shows it, and kubectl, agent and server keep serving", async () => {
    const f = await forward("pod/web", 81);
    await expect(fetch(`http://127.0.0.1:${f.port}/`)).rejects.toThrow();
    await eventually(() => /error forwarding port 81 to pod .*web.*connect: connection refused/.test(f.output()), 10_000, "the dial error in kubectl's output");
    const ok = await forward("pod/web", 80);
    expect(await get(ok.port)).toBe("kubelab web v1\n");
    expect((await fetch(`http://${agent.address}:${agent.readOnlyPort}/healthz`)).ok).toBe(true);
  });

  it("answers a pod that does not exist with kubectl's NotFound", async () => {
    const r = await kubectl.run(["-n", NS, "port-forward", "pod/ghost", "18999:80"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pods "ghost" not found');
  });
});
