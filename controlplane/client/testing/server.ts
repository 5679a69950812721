// Test helpers around the real `kubelab server` fixture: a server on a fixed port whose store can
// be compacted while it is down (so watches from older resourceVersions get 410 Gone after it
// comes back), and small polling helpers.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../../storage/sqlite";
import { startTestServer, type TestServer } from "../../../test/fixtures/server";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface CompactableServer {
  readonly server: TestServer;
  url: string;
  kubeconfig: string;
  /** Stops the server, compacts its store up to the current revision, starts it again on the same port. */
  compactWhileDown(during?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** A real server on a fixed port with its own data dir, so it can come back at the same URL. */
export async function startCompactableServer(args: string[] = ["--disable-controllers", "all"]): Promise<CompactableServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "kubelab-client-"));
  const port = await freePort();
  const listenArgs = [...args, "--listen", `127.0.0.1:${port}`];
  let server = await startTestServer({ dataDir, args: listenArgs });
  const self: CompactableServer = {
    get server() {
      return server;
    },
    url: server.url,
    kubeconfig: server.kubeconfig,
    async compactWhileDown(during) {
      await server.stop();
      const store = new SqliteStore(join(dataDir, "state.db"));
      try {
        await store.compact(await store.currentRevision());
      } finally {
        await store.close();
      }
      await during?.();
      server = await startTestServer({ dataDir, args: listenArgs });
    },
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}

/** Polls cond every 20 ms until it holds or timeoutMs passes (then throws with what). */
export async function eventually(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
