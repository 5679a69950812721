// The etcd store in a process stopped with SIGSTOP past its calls' deadline and woken: the calls
// it had in flight fail (their deadline passed), and then it works again at once. With etcd3's
// default fault handling the one member's circuit opened on those failures and every call failed
// for 5 s more (what the API servers answered 500 for after SIGSTOP).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEtcd, type Etcd } from "./fixtures/etcd";
import { REPO_ROOT } from "./fixtures/server";
import { consistently, eventually } from "./fixtures/wait";

let etcd: Etcd;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.destroy();
});

it("works again right after SIGCONT: the in-flight calls fail, no breaker holds the rest back", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "test/ha-etcd-sigstop-child.ts"), etcd.endpoint], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  try {
    await eventually(() => out.includes("READY"), 30_000, "the child reading from etcd");
    child.kill("SIGSTOP");
    const stoppedAt = Date.now();
    // Past the store's 5 s call deadline; stopped, the child prints nothing.
    const printed = out.length;
    await consistently(() => out.length === printed, 6000, "the stopped child printing nothing");
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(6000);
    child.kill("SIGCONT");
    const woke = Date.now();
    await consistently(() => child.exitCode === null, 3000, "the child running after SIGCONT");
    const errorsAt = out.split("\n").filter((l) => l.includes(" ERR ")).map((l) => Number(l.split(" ")[0]) - woke);
    // The ten calls in flight at SIGSTOP may fail on waking; nothing fails a second later.
    expect(errorsAt.filter((t) => t > 1000)).toEqual([]);
  } finally {
    child.kill("SIGKILL");
  }
});
