import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { stringify } from "yaml";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { ensureServingCert } from "../infra/local/access";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// kubectl exec, exec -i, exec -it, attach and cp as a user runs them, through the API server to
// the agent (which authenticates the server) and Docker; and the bad inputs, each a clear error
// after which both keep serving.
const id = randomBytes(3).toString("hex");
const NS = `exec-${id}`;
const ADDRESS = "127.0.0.91";
const READER = `reader-${id}`;
const EXECER = `execer-${id}`;
const busybox = (name: string, script: string, extra: Record<string, unknown> = {}) => ({ name, image: "kubelab/busybox:1.36", command: ["sh", "-c", script], ...extra });

describe("kubectl exec, attach and cp", () => {
  let server: TestServer;
  let agent: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;
  const run = (args: string[], input?: string) => kubectl.run(["-n", NS, ...args], input);

  beforeAll(async () => {
    await ensureImages();
    // Authentication on: the agent checks the API server's own credential with a TokenReview, and
    // RBAC decides who may exec (the first token is the admin's, whom the kubeconfig names).
    // (kubectl sends tokens over HTTPS only.)
    const dir = mkdtempSync(join(tmpdir(), "kubelab-exec-"));
    const tokens = join(dir, "tokens.csv");
    writeFileSync(tokens, [`admin-${id},admin,admin,"system:masters"`, `${READER},reader,reader`, `${EXECER},execer,execer`].join("\n") + "\n");
    const serving = ensureServingCert(dir);
    server = await startTestServer({ secure: true, args: ["--token-auth-file", tokens, "--tls-cert-file", serving.certFile, "--tls-private-key-file", join(dir, "tls", "apiserver.key")] });
    kubectl = kubectlFor(server.kubeconfig);
    agent = await startTestAgent({ address: ADDRESS, nodeName: `ex-${id}`, server, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.244.91.0/24"] });
    await kubectl.ok(["create", "namespace", NS]);
    // reader may get pods/exec (what the WebSocket GET used to need), execer may create it.
    await kubectl.ok(["-n", NS, "create", "role", "exec-get", "--verb=get", "--resource=pods,pods/exec"]);
    await kubectl.ok(["-n", NS, "create", "role", "exec-create", "--verb=get,create", "--resource=pods,pods/exec"]);
    await kubectl.ok(["-n", NS, "create", "rolebinding", "reader", "--role=exec-get", "--user=reader"]);
    await kubectl.ok(["-n", NS, "create", "rolebinding", "execer", "--role=exec-create", "--user=execer"]);
    const pod = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS }, spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 1, ...spec } });
    const objects = [
      pod("shell", { containers: [busybox("c", "sleep 3600")] }),
      pod("loop", { containers: [busybox("c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done")] }),
      pod("done", { restartPolicy: "Never", containers: [busybox("c", "true")] }),
      // A node whose agent is gone (nothing listens on its port), and a pod bound to it.
      { apiVersion: "v1", kind: "Node", metadata: { name: `gone-${id}` }, status: { addresses: [{ type: "InternalIP", address: "127.0.0.92" }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } } },
      pod("stranded", { nodeName: `gone-${id}`, containers: [busybox("c", "sleep 3600")] }),
    ];
    await kubectl.ok(["apply", "-f", "-"], objects.map((o) => stringify(o)).join("---\n"));
    const phase = (p: string) => kubectl.ok(["-n", NS, "get", "pod", p, "-o", "jsonpath={.status.phase}"]);
    await eventually(async () => (await phase("shell")) === "Running" && (await phase("loop")) === "Running", 60_000, "the pods running");
    await eventually(async () => (await phase("done")) === "Succeeded", 60_000, "the completed pod Succeeded");
  }, 120_000);

  afterAll(async () => {
    await agent?.cleanup();
    await server?.stop();
  });

  it("runs a command and prints its output", async () => {
    const r = await run(["exec", "shell", "--", "echo", "hello", "world"]);
    expect(r).toMatchObject({ code: 0, stdout: "hello world\n" });
  });

  it("exits with the command's exit code, and keeps stderr apart from stdout", async () => {
    const failed = await run(["exec", "shell", "--", "sh", "-c", "exit 3"]);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain("command terminated with exit code 3");
    const both = await run(["exec", "shell", "--", "sh", "-c", "echo out; echo err >&2"]);
    expect(both).toMatchObject({ code: 0, stdout: "out\n" });
    expect(both.stderr).toBe("err\n");
  });

  it("passes stdin on with -i, and its end (cat finishes)", async () => {
    expect(await run(["exec", "-i", "shell", "--", "cat"], "hi\nthere\n")).toMatchObject({ code: 0, stdout: "hi\nthere\n" });
    const big = "x".repeat(300_000);
    expect((await run(["exec", "-i", "shell", "--", "wc", "-c"], big)).stdout.trim()).toBe("300000");
  });

  it("gives the command a terminal with -it", async () => {
    // script(1) gives kubectl a terminal of its own, as a user's shell would.
    const out = await new Promise<string>((resolve) => {
      const cmd = `kubectl --kubeconfig ${server.kubeconfig} -n ${NS} exec -it shell -- sh -c 'tty; for i in $(seq 100); do s=$(stty size 2>/dev/null); case "$s" in [1-9]*" "[1-9]*) break;; esac; usleep 50000; done; echo "size:$s"'`;
      // stty gives script's terminal a size, which kubectl sends on as a resize (the loop waits for it).
      execFile("script", ["-qec", `stty rows 30 cols 100; ${cmd}`, "/dev/null"], { timeout: 30_000 }, (_e, stdout) => resolve(stdout));
    });
    expect(out).toMatch(/\/dev\/pts\/\d+/);
    expect(out).toContain("size:30 100");
  });

  it("copies files into a pod and out of it (tar through exec)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-cp-"));
    const content = `payload ${id}\n`.repeat(5000);
    writeFileSync(join(dir, "in.txt"), content);
    expect((await run(["cp", join(dir, "in.txt"), "shell:/tmp/in.txt"])).code).toBe(0);
    expect((await run(["exec", "shell", "--", "md5sum", "/tmp/in.txt"])).stdout.split(" ")[0]).toHaveLength(32);
    const back = await run(["cp", "shell:/tmp/in.txt", join(dir, "out.txt")]);
    expect(back.code, back.stderr).toBe(0);
    expect(readFileSync(join(dir, "out.txt"), "utf8")).toBe(content);
  });

  it("attaches to a running container and prints what it writes", async () => {
    const child = kubectl.spawn(["-n", NS, "attach", "loop"]);
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    try {
      await eventually(() => /tick \d+\n.*tick \d+/s.test(out), 20_000, "ticks from the attached container");
    } finally {
      child.kill("SIGINT");
    }
  });

  it("answers bad input with a clear error and keeps serving", async () => {
    const missing = await run(["exec", "shell", "-c", "nope", "--", "true"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/container nope not found|container nope is not valid/);
    const done = await run(["exec", "done", "--", "true"]);
    expect(done.code).not.toBe(0);
    expect(done.stderr).toContain("cannot exec into a container in a completed pod; current phase is Succeeded");
    const stranded = await run(["exec", "stranded", "--", "true"]);
    expect(stranded.code).not.toBe(0);
    expect(stranded.stderr).toContain("error dialing backend: dial tcp 127.0.0.92:1");
    const noCommand = await run(["exec", "shell"]);
    expect(noCommand.code).not.toBe(0);
    expect(noCommand.stderr).toContain("you must specify at least one command for the container");
    // Docker's own answer, as with the kubelet's dockershim: its message, and exit code 126.
    const notFound = await run(["exec", "shell", "--", "/no/such/binary"]);
    expect(notFound.code).toBe(126);
    expect(notFound.stdout + notFound.stderr).toContain("no such file or directory");
    // Both still serve.
    expect(await run(["exec", "shell", "--", "echo", "still here"])).toMatchObject({ code: 0, stdout: "still here\n" });
  });

  // As on Kubernetes, the command itself goes on when its client is gone (Docker has no way to stop
  // an exec): this one ends by itself.
  it("survives a client that goes away in the middle of a flood of output", async () => {
    const child = kubectl.spawn(["-n", NS, "exec", "shell", "--", "sh", "-c", "yes flood | head -c 200000000"]);
    let bytes = 0;
    child.stdout!.on("data", (c: Buffer) => (bytes += c.length));
    await eventually(() => bytes > 1_000_000, 30_000, "a megabyte of output");
    child.kill("SIGKILL");
    expect(await run(["exec", "shell", "--", "echo", "after"])).toMatchObject({ code: 0, stdout: "after\n" });
    expect((await fetch(`http://${ADDRESS}:${agent.readOnlyPort}/healthz`)).status).toBe(200);
  });

  it("answers upgrades it cannot serve with a Status, over WebSocket as kubectl's would come", async () => {
    const refusal = (path: string, protocols: string[]) =>
      new Promise<{ code: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(`${server.url.replace(/^https/, "wss")}${path}`, protocols, { headers: { Authorization: `Bearer admin-${id}` }, rejectUnauthorized: false });
        ws.on("unexpected-response", (_req, res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
        });
        ws.on("open", () => reject(new Error(`${path} was upgraded`)));
        ws.on("error", reject);
      });
    const exec = `/api/v1/namespaces/${NS}/pods/shell/exec`;
    const noProtocol = await refusal(`${exec}?command=true&stdout=true`, ["base64.channel.k8s.io"]);
    expect(noProtocol.code).toBe(400);
    expect(JSON.parse(noProtocol.body).message).toContain("none of the requested protocols is supported");
    const noCommand = await refusal(`${exec}?stdout=true`, ["v5.channel.k8s.io"]);
    expect(noCommand.code).toBe(400);
    expect(JSON.parse(noCommand.body).message).toBe("you must specify at least one command for the container");
    expect((await refusal(`/api/v1/namespaces/${NS}/pods/nope/exec?command=true&stdout=true`, ["v5.channel.k8s.io"])).code).toBe(404);
    // An upgrade to something that does not stream is answered as a plain request.
    expect((await refusal(`/api/v1/namespaces/${NS}/pods`, ["v5.channel.k8s.io"])).code).toBe(200);
    // One with a body is refused, not half read (Node parses no body once an upgrade is asked for).
    const withBody = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "up" } });
      const req = httpsRequest(`${server.url}/api/v1/namespaces/${NS}/configmaps`, {
        method: "POST",
        rejectUnauthorized: false,
        headers: { Authorization: `Bearer admin-${id}`, Connection: "Upgrade", Upgrade: "websocket", "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
      }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ code: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(withBody.code).toBe(400);
    expect(JSON.parse(withBody.body).message).toContain("a request with a body cannot ask for a protocol upgrade");
    expect(await run(["exec", "shell", "--", "echo", "ok"])).toMatchObject({ code: 0, stdout: "ok\n" });
  });

  it("speaks v4 to clients that offer no v5 (the exit code in the error channel's Status)", async () => {
    const q = new URLSearchParams([["command", "sh"], ["command", "-c"], ["command", "echo v4; exit 7"], ["stdout", "true"]]);
    const got = await new Promise<{ protocol: string; out: string; status: { reason?: string; details?: { causes?: Array<{ reason: string; message: string }> } } }>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace(/^https/, "wss")}/api/v1/namespaces/${NS}/pods/shell/exec?${q}`, ["v4.channel.k8s.io"], { headers: { Authorization: `Bearer admin-${id}` }, rejectUnauthorized: false });
      let out = "";
      let status = "";
      ws.on("message", (d: Buffer) => (d[0] === 1 ? (out += d.subarray(1)) : d[0] === 3 ? (status += d.subarray(1)) : undefined));
      ws.on("close", () => resolve({ protocol: ws.protocol, out, status: JSON.parse(status || "{}") }));
      ws.on("error", reject);
    });
    expect(got.protocol).toBe("v4.channel.k8s.io");
    expect(got.out).toBe("v4\n");
    expect(got.status.reason).toBe("NonZeroExitCode");
    expect(got.status.details?.causes).toEqual([{ reason: "ExitCode", message: "7" }]);
  });

  it("needs create on pods/exec, also for the WebSocket GET", async () => {
    const refused = await run(["--token", READER, "exec", "shell", "--", "true"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('User "reader" cannot create resource "pods/exec" in API group "" in the namespace');
    expect(await run(["--token", EXECER, "exec", "shell", "--", "echo", "allowed"])).toMatchObject({ code: 0, stdout: "allowed\n" });
  });

  it("refuses exec on the agent's port without a credential the API server vouches for", async () => {
    const path = `/exec/${NS}/shell/c?command=true&output=1`;
    const answer = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://${ADDRESS}:${agent.port}${path}`, ["v5.channel.k8s.io"], { headers });
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("open", () => {
          ws.close();
          resolve(101);
        });
        ws.on("error", reject);
      });
    expect(await answer({})).toBe(401);
    expect(await answer({ Authorization: "Bearer not-a-token" })).toBe(401);
    expect((await fetch(`http://${ADDRESS}:${agent.port}/containerLogs/${NS}/shell/c`)).status).toBe(401);
    expect((await fetch(`http://${ADDRESS}:${agent.port}/healthz`)).status).toBe(200);
    // Logs through the API server still work: it presents its own credential.
    expect((await run(["logs", "loop", "--tail", "1"])).stdout).toMatch(/tick \d+/);
  });
});
