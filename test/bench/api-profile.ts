// Where a create's CPU goes: runs `kubelab server` (SQLite, no controllers) under `node --cpu-prof`,
// puts the api benchmark's create load on it (a warm-up first, then the measured creates), and
// prints the server's CPU per create and the profile of the measured part as text tables.
//   node --import tsx test/bench/api-profile.ts [--creates N] [--warmup N] [--readers N]
//        [--tree FUNCTION] [--checkout DIR] [--save FILE] [--store sqlite|etcd]
// --checkout profiles another checkout of kubelab (a git worktree of an older commit) with this
// load, for a before/after of the same load. --save keeps the main thread's .cpuprofile as FILE
// (for Chrome DevTools or another look). --store etcd runs the server on a fresh real etcd
// (Debian's etcd-server) instead of SQLite. V8's samples are wall time: on a busy machine the
// thread is often waiting for a CPU, and the samples pile up where it was descheduled (SQLite
// calls, socket writes), so read the shares of the JavaScript parts, or profile on-CPU time with
// `perf record -e cpu-clock` and node --perf-basic-prof. Loopback only.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLoad, pooledFetch } from "./api-load";
import { summarize, type CpuProfile } from "./cpuprofile";
import { startEtcd } from "../fixtures/etcd";

const { values: a } = parseArgs({
  options: {
    creates: { type: "string", default: "4000" },
    warmup: { type: "string", default: "1000" },
    readers: { type: "string", default: "0" },
    tree: { type: "string", default: "createOnce" },
    checkout: { type: "string", default: resolve(import.meta.dirname, "../..") },
    save: { type: "string" },
    store: { type: "string", default: "sqlite" },
  },
});
const creates = Number(a.creates);
const readers = Number(a.readers);
const dataDir = mkdtempSync(join(tmpdir(), "kubelab-api-profile-"));
const profDir = join(dataDir, "profile");
if (a.store !== "sqlite" && a.store !== "etcd") throw new Error(`--store: sqlite or etcd, not ${a.store}`);
const etcd = a.store === "etcd" ? await startEtcd() : undefined;
const storeArgs = etcd ? ["--store", "etcd", "--etcd-endpoints", etcd.endpoint] : [];
const server = spawn(
  process.execPath,
  ["--cpu-prof", `--cpu-prof-dir=${profDir}`, join(a.checkout, "bin/kubelab.mjs"), "server", "--data-dir", join(dataDir, "data"), "--listen", "127.0.0.1:0", "--log-level", "warn", "--disable-controllers", "all", ...storeArgs],
  { cwd: a.checkout, stdio: ["ignore", "pipe", "pipe"] },
);
let output = "";
const url = await new Promise<string>((ready, fail) => {
  server.stdout!.on("data", (c: Buffer) => {
    output += c.toString();
    const m = output.match(/\{"msg":"kubelab server ready","url":"([^"]+)"\}/);
    if (m) ready(m[1]);
  });
  server.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  server.once("exit", (code) => fail(new Error(`server exited with ${code}:\n${output}`)));
});
const { send, close } = pooledFetch();
try {
  await createLoad(send, url, server.pid!, Number(a.warmup), 16, { readers, prefix: "warm-" });
  const from = Number(process.hrtime.bigint() / 1000n);
  const load = await createLoad(send, url, server.pid!, creates, 16, { readers });
  const to = Number(process.hrtime.bigint() / 1000n);
  await close();
  // SIGTERM: the server exits through process.exit, which writes the profile.
  await new Promise<void>((done) => {
    server.once("exit", () => done());
    server.kill("SIGTERM");
  });
  // The main thread's profile (thread 0); the others are tsx's loader and the SQLite checkpointer.
  const main = readdirSync(profDir).find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  if (!main) throw new Error(`no main-thread profile in ${profDir}`);
  if (a.save) copyFileSync(join(profDir, main), a.save);
  const prof = JSON.parse(readFileSync(join(profDir, main), "utf8")) as CpuProfile;
  console.log(`${a.checkout} (${a.store}): ${creates} creates (${readers} readers) after ${a.warmup}: ${load.rate.toFixed(0)}/s, p99 ${load.createP99.toFixed(1)} ms, server CPU ${load.cpuPerCreate.toFixed(3)} ms per create; load average ${loadavg()[0].toFixed(1)}`);
  for (const line of summarize(prof, { window: [from, to], operations: creates, top: 30, tree: a.tree, treeDepth: 6 })) console.log(line);
} finally {
  await close().catch(() => undefined);
  if (server.exitCode === null) server.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  await etcd?.destroy();
}
