// A second real client besides kubectl and client-node: the official Python client (Debian's
// python3-kubernetes, installed by scripts/test-setup.sh) runs test/python/client-scenario.py
// against a real server: CRUD, errors, pagination, watch, scale, patches and a pod log error.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startTestServer, type TestServer } from "./fixtures/server";

// Debian's interpreter: a python3 earlier on PATH (pyenv) does not see Debian's packages.
const PYTHON = "/usr/bin/python3";
const SCRIPT = join(REPO_ROOT, "test/python/client-scenario.py");

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
});
afterAll(async () => {
  await server?.stop();
});

function runScenario(namespace: string): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, server.kubeconfig, namespace], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`the Python scenario failed: ${err.message}\n${stderr}\nserver:\n${server.logs()}`));
      resolve(JSON.parse(stdout));
    });
  });
}

describe("the official Python client", () => {
  it("creates, reads, replaces, pages, watches, scales and patches as on Kubernetes", async () => {
    const out = await runScenario("python-client");
    expect(out.crud).toEqual({ read: "crud", replaced: "2", listed: expect.arrayContaining(["crud"]), afterDelete: { status: 404, reason: "NotFound" } });
    expect(out.errors).toEqual({
      notFound: { status: 404, reason: "NotFound" },
      conflict: { status: 409, reason: "AlreadyExists" },
      invalid: { status: 422, reason: "Invalid" },
    });
    expect(out.pages).toEqual([["page-0", "page-1"], ["page-2", "page-3"], ["page-4"]]);
    // watch=True (Python's spelling) is a watch: the existing objects, then one created meanwhile.
    expect(out.watch).toEqual([...[0, 1, 2, 3, 4].map((i) => ["ADDED", `page-${i}`]), ["ADDED", "page-late"]]);
    expect(out.deploymentStatus).toEqual({ present: true, availableReplicas: null });
    expect(out.scale).toEqual({ afterPatch: 3, afterReplace: 4, deployment: 4 });
    expect(out.patched).toEqual({ a: "10", c: "3" });
    expect(out.logs).toEqual({ status: 400, reason: "BadRequest" });
  });
});
