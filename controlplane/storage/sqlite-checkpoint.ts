// WAL checkpoints off the main thread. SQLite's automatic checkpoint runs inside the commit that
// crosses 1,000 WAL pages: that commit copies the WAL into the database file and fsyncs it while
// the event loop waits, so every request in flight waits too (the SQLite store's create p99 was
// that stall). Here a worker thread with its own connection checkpoints instead, PASSIVE (it never
// blocks a writer), every CHECKPOINT_INTERVAL_MS; commits only append to the WAL. Durability is
// untouched: a commit is as durable as before (the WAL is the durable copy), the checkpoint only
// moves committed pages into the database file. A WAL that outgrows RESTART_PAGES (writes that
// never pause let no checkpoint finish) is checkpointed with RESTART, which makes the next writer
// start the WAL from its beginning. Should the worker fail, the main connection checkpoints
// itself again as before.
import type Database from "better-sqlite3";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

const CHECKPOINT_INTERVAL_MS = 200;
const RESTART_PAGES = 8_000;

/** The worker's code (CommonJS, run with eval): better-sqlite3 comes by the path the main thread resolved. */
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = " + workerData.synchronous);
let timer;
const tick = () => {
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    if (r && r.log >= workerData.restartPages) db.pragma("wal_checkpoint(RESTART)");
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
    return;
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on("message", () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Hands `db`'s checkpoints to a worker: `db` (the connection that writes) stops checkpointing
 * itself, and takes it up again (SQLite's default, every 1,000 pages) should the worker fail.
 */
export function checkpointInWorker(db: Database.Database, file: string, synchronous: "NORMAL" | "FULL"): Checkpointer {
  const selfCheckpoint = () => {
    if (db.open) db.pragma("wal_autocheckpoint = 1000");
  };
  db.pragma("wal_autocheckpoint = 0");
  try {
    return startCheckpointer(file, synchronous, selfCheckpoint);
  } catch {
    // No worker (better-sqlite3 not found by path, no threads): the store still works as before.
    selfCheckpoint();
    return { close: async () => {} };
  }
}

export interface Checkpointer {
  /** Stops the worker after its current checkpoint and closes its connection. */
  close(): Promise<void>;
}

/**
 * Checkpoints `file`'s WAL from a worker thread. `fallback` runs (on the main thread) when the
 * worker cannot go on: the caller then lets its own connection checkpoint again.
 */
export function startCheckpointer(file: string, synchronous: "NORMAL" | "FULL", fallback: (error: string) => void): Checkpointer {
  const module = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { module, file, synchronous, intervalMs: CHECKPOINT_INTERVAL_MS, restartPages: RESTART_PAGES },
  });
  let done = false;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  const fail = (error: string) => {
    if (done) return;
    done = true;
    fallback(error);
  };
  worker.on("message", (m: { error?: string }) => {
    if (m.error) {
      fail(m.error);
      void worker.terminate();
    }
  });
  worker.on("error", (e) => fail(e.message));
  worker.once("exit", () => fail("the checkpoint worker exited"));
  // A store left open must not keep the process alive.
  worker.unref();
  return {
    close: async () => {
      done = true;
      worker.ref();
      worker.postMessage("close");
      await exited;
    },
  };
}
