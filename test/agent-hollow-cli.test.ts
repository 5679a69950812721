// `kubelab agent --hollow --hollow-count N`: one process hosts N simulated nodes that register,
// become Ready and run the pods bound to them.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT, startTestServer, type TestServer } from "./fixtures/server";
import { kubectlFor } from "./fixtures/kubectl";
import { eventually } from "./fixtures/wait";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});


describe("hollow agents from the CLI", () => {
  it("registers N Ready nodes and spreads the seed's Deployment over them", async () => {
    const agent = spawn(process.execPath, [CLI, "agent", "--hollow", "--node-name", "hollow", "--hollow-count", "3", "--kubeconfig", server.kubeconfig], { stdio: "ignore" });
    try {
      const kubectl = kubectlFor(server.kubeconfig);
      await eventually(async () => (await kubectl.ok(["get", "nodes", "--no-headers"])).split("\n").filter((l) => /\sReady\s/.test(l)).length === 3);
      await kubectl.ok(["apply", "-f", join(REPO_ROOT, "examples/seed/nginx-deployment.yaml")]);
      await eventually(async () => /^3\/3/.test((await kubectl.ok(["get", "deploy", "nginx-deployment", "--no-headers"])).split(/\s+/)[1]));
      const nodes = (await kubectl.ok(["get", "pods", "-o", "jsonpath={.items[*].spec.nodeName}"])).split(" ").sort();
      expect(nodes).toEqual(["hollow-0", "hollow-1", "hollow-2"]);
    } finally {
      agent.kill("SIGTERM");
    }
  });

  it("refuses a hollow count out of range with a clear message", async () => {
    const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [CLI, "agent", "--hollow", "--node-name", "h", "--hollow-count", "0", "--server", server.url], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      p.stderr!.on("data", (c: Buffer) => (stderr += c));
      p.on("exit", (code) => resolve({ code, stderr }));
      // A process that ignored the bad count would run on: end it, and the test fails.
      setTimeout(() => p.kill("SIGKILL"), 20_000).unref();
    });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain("--hollow-count must be between 1 and 5000, got 0");
  });
});
