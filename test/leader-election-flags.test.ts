// --leader-elect* on one SQLite server: off by default there, forced on it holds the three Leases
// and releases them on a graceful stop (holder empty: a successor need not wait); bad durations
// are one line and exit 2.
import { execFile } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT, startTestServer, type TestServer } from "./fixtures/server";
import { consistently, eventually } from "./fixtures/wait";

const LEASES = ["kube-scheduler", "kube-controller-manager", "kubelab-gitsync"];
let server: TestServer | undefined;
afterAll(async () => {
  await server?.stop();
});

const leaseList = async (s: TestServer) =>
  ((await (await fetch(`${s.url}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases`)).json()) as { items: Array<{ metadata: { name: string }; spec?: { holderIdentity?: string } }> }).items;

function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, "server", "--listen", "127.0.0.1:0", ...args], { cwd: REPO_ROOT, timeout: 20_000 }, (err, _out, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe("--leader-elect", () => {
  it("refuses bad durations with exit 2", async () => {
    const r = await runCli(["--leader-elect-lease-duration", "2s", "--leader-elect-renew-deadline", "3s"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lease duration must be greater than renew deadline/);
    const s = await runCli(["--leader-elect-retry-period", "soon"]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--leader-elect-retry-period/);
  });

  it("forced on with SQLite, holds every Lease and releases them on SIGTERM; off by default with SQLite", async () => {
    server = await startTestServer({ args: ["--leader-elect", "true"] });
    await eventually(async () => {
      const items = await leaseList(server!);
      return LEASES.every((n) => items.find((l) => l.metadata.name === n)?.spec?.holderIdentity?.includes(`_${server!.pid()}_`));
    }, 15_000, "the server holding every lease");
    await server.kill("SIGTERM");
    // Restarted without flags (SQLite: no election): the released Leases stay as the stop left them.
    const dataDir = server.dataDir;
    server = await startTestServer({ dataDir, args: [] });
    await consistently(async () => {
      const items = await leaseList(server!);
      return LEASES.every((n) => items.some((l) => l.metadata.name === n && !l.spec?.holderIdentity));
    }, 1500, "every lease released and not taken by the SQLite server without --leader-elect");
  });
});
