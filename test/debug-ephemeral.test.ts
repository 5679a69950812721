import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { removePodNetworks } from "../agent/network/teardown";
import { pods } from "../client/resources";
import { RestClient } from "../client/rest";
import type { ApiStatusError } from "../client/errors";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// kubectl debug with an ephemeral container: pods/ephemeralcontainers takes only additions, the
// agent starts the container in the pod with the target's PID namespace, and its status and logs
// are there as on Kubernetes.
const id = randomBytes(3).toString("hex");
const NS = `debug-${id}`;
const MARK = `mark-${id}`;
const target = { name: "c", image: "kubelab/busybox:1.36", command: ["sh", "-c", `trap 'exit 0' TERM; while :; do sleep 1; done # ${MARK}`] };

interface PodJson {
  spec: { ephemeralContainers?: Array<Record<string, unknown>> };
  status: { phase?: string; ephemeralContainerStatuses?: Array<{ name: string; ready: boolean; restartCount: number; state: { terminated?: { reason: string; exitCode: number } } }> };
}

describe("kubectl debug with an ephemeral container", () => {
  let server: TestServer;
  let agent: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;
  let client: RestClient;
  const getPod = async (name: string) => JSON.parse(await kubectl.ok(["-n", NS, "get", "pod", name, "-o", "json"])) as PodJson;
  /** The Status a refused write answers with. */
  const refusal = async (p: Promise<unknown>) => {
    const err = (await p.then(() => undefined, (e: unknown) => e)) as ApiStatusError | undefined;
    expect(err, "the write was accepted").toBeDefined();
    return err!.status;
  };

  beforeAll(async () => {
    await ensureImages();
    server = await startTestServer({ secure: true });
    kubectl = kubectlFor(server.kubeconfig);
    client = RestClient.fromKubeconfig(server.kubeconfig);
    agent = await startTestAgent({ address: "127.0.0.82", nodeName: `dbg-${id}`, kubeconfig: server.kubeconfig, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.244.82.0/24"] });
    await kubectl.ok(["create", "namespace", NS]);
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: NS }, spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 1, containers: [target] } };
    await kubectl.ok(["apply", "-f", "-"], stringify(pod));
    await eventually(async () => (await getPod("p")).status.phase === "Running", 60_000, "pod p running");
  }, 120_000);

  afterAll(async () => {
    await agent?.cleanup();
    if (agent) await removePodNetworks([agent.nodeName]);
    await server?.stop();
  });

  it("runs `kubectl debug --target` in the target's PID namespace, with logs and a terminated status", async () => {
    const out = await kubectl.run(["-n", NS, "debug", "p", "--image=kubelab/busybox:1.36", "--target=c", "--", "sh", "-c", "ps; echo done"]);
    expect(out.code, out.stderr).toBe(0);
    const name = /(debugger-\w+)/.exec(out.stdout + out.stderr)?.[1];
    expect(name, out.stdout + out.stderr).toBeDefined();
    const logs = await eventually(async () => {
      const r = await kubectl.run(["-n", NS, "logs", "p", "-c", name!]);
      return r.code === 0 && r.stdout.includes("done") ? r.stdout : undefined;
    }, 30_000, "the debugger's output");
    // The target's shell loop is PID 1 of the namespace the debugger sees.
    expect(logs).toMatch(new RegExp(`^\\s*1 \\S+\\s+sh -c trap .*${MARK}`, "m"));
    const status = await eventually(async () => {
      const s = (await getPod("p")).status.ephemeralContainerStatuses?.find((x) => x.name === name);
      return s?.state.terminated ? s : undefined;
    }, 30_000, "the debugger's terminated status");
    expect(status).toMatchObject({ ready: false, restartCount: 0, state: { terminated: { reason: "Completed", exitCode: 0 } } });
    const spec = (await getPod("p")).spec.ephemeralContainers!.find((c) => c.name === name);
    expect(spec).toMatchObject({ targetContainerName: "c", image: "kubelab/busybox:1.36", terminationMessagePolicy: "File", imagePullPolicy: "IfNotPresent" });
  });

  it("runs `kubectl debug -i --target` attached: what is typed runs in the debugger, which sees the target's processes", async () => {
    // stdin stays open until the answer is there, as a user at a terminal would keep it.
    const proc = spawn("kubectl", ["--kubeconfig", server.kubeconfig, "-n", NS, "debug", "p", "-i", "--image=kubelab/busybox:1.36", "--target=c", "--", "sh"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    try {
      await eventually(() => {
        proc.stdin!.write("ps; echo typed-$((40+2))\n");
        return out.includes("typed-42");
      }, 30_000, "the debugger's answer to what was typed");
      expect(out).toContain(MARK);
      proc.stdin!.end("exit\n");
      expect(await exited).toBe(0);
    } finally {
      proc.kill();
    }
  });

  it("refuses to remove or change an ephemeral container, as Kubernetes words it", async () => {
    const pod = await client.getSubresource<PodJson & { metadata: Record<string, unknown> }>(pods, NS, "p", "ephemeralcontainers");
    const existing = pod.spec.ephemeralContainers ?? [];
    expect(existing.length).toBeGreaterThan(0);
    // Without a resourceVersion (an unconditional update, as pods allow): the agent writing the
    // pod's status meanwhile must not turn the answer into a 409 Conflict.
    const { resourceVersion: _rv, ...metadata } = pod.metadata;
    const removed = await refusal(client.putSubresource(pods, NS, "p", "ephemeralcontainers", { ...pod, metadata, spec: { ...pod.spec, ephemeralContainers: [] } }));
    expect(removed.code).toBe(422);
    expect(removed.details?.causes).toContainEqual(expect.objectContaining({ field: "spec.ephemeralContainers", message: `Forbidden: existing ephemeral containers "${existing[0]!.name}" may not be removed\n` }));
    const changed = [{ ...existing[0]!, image: "kubelab/web:1" }];
    const changedStatus = await refusal(client.putSubresource(pods, NS, "p", "ephemeralcontainers", { ...pod, metadata, spec: { ...pod.spec, ephemeralContainers: changed } }));
    expect(changedStatus.details?.causes?.[0]?.message).toMatch(/^Forbidden: existing ephemeral containers ".*" may not be changed/);
  });

  it("validates a new ephemeral container: fields it may not have, its target, its name", async () => {
    const add = (ec: Record<string, unknown>) =>
      refusal(client.patchSubresource(pods, NS, "p", "ephemeralcontainers", { spec: { ephemeralContainers: [ec] } }, "strategic"));
    const ports = await add({ name: "x1", image: "kubelab/busybox:1.36", ports: [{ containerPort: 80 }] });
    expect(ports.details?.causes).toContainEqual(expect.objectContaining({ field: expect.stringMatching(/^spec\.ephemeralContainers\[\d\]\.ports$/), message: "Forbidden: cannot be set for an Ephemeral Container" }));
    const ghost = await add({ name: "x2", image: "kubelab/busybox:1.36", targetContainerName: "ghost" });
    expect(ghost.details?.causes).toContainEqual(expect.objectContaining({ field: expect.stringMatching(/^spec\.ephemeralContainers\[\d\]\.targetContainerName$/), message: 'Not found: "ghost"' }));
    const dup = await add({ name: "c", image: "kubelab/busybox:1.36" });
    expect(dup.details?.causes).toContainEqual(expect.objectContaining({ field: expect.stringMatching(/^spec\.ephemeralContainers\[\d\]\.name$/), message: 'Duplicate value: "c"' }));
  });

  it("keeps ephemeral containers out of pod creates and main-resource updates", async () => {
    const created = await refusal(
      client.create(pods, NS, { apiVersion: "v1", kind: "Pod", metadata: { name: "q" }, spec: { containers: [target], ephemeralContainers: [{ name: "d", image: "kubelab/busybox:1.36" }] } } as never),
    );
    expect(created.details?.causes).toContainEqual(expect.objectContaining({ field: "spec.ephemeralContainers", message: "Forbidden: cannot be set on create" }));
    // A label change through the main resource with the list emptied: the list stays.
    const before = (await getPod("p")).spec.ephemeralContainers!.length;
    await kubectl.ok(["-n", NS, "patch", "pod", "p", "--type=merge", "-p", JSON.stringify({ metadata: { labels: { touched: "yes" } }, spec: { ephemeralContainers: null } })]).catch(() => "");
    expect((await getPod("p")).spec.ephemeralContainers!.length).toBe(before);
  });

  it("serves pods/ephemeralcontainers in discovery with get, patch and update", async () => {
    const list = JSON.parse(await kubectl.ok(["get", "--raw", "/api/v1"])) as { resources: Array<{ name: string; kind: string; verbs: string[] }> };
    expect(list.resources.find((r) => r.name === "pods/ephemeralcontainers")).toMatchObject({ kind: "Pod", verbs: ["get", "patch", "update"] });
  });
});
