// A failure that escapes every handler ends the process cleanly: logged with the component and
// the stack, said in one line, cleanups run, exit code 1. A real `kubelab server` process, with a
// preload (testdata/inject-fatal.mjs) that injects the failure on SIGUSR2.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../test/fixtures/wait";
import { errorField, fatalLine, fatalRecord } from "./fatal";
import { start, type Running } from "./testdata/run";

const preload = join(import.meta.dirname, "testdata/inject-fatal.mjs");
let running: Running | undefined;
let dataDir: string | undefined;

afterEach(() => {
  running?.child.kill("SIGKILL");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  running = dataDir = undefined;
});

async function serverThatFails(kind: "exception" | "rejection") {
  dataDir = mkdtempSync(join(tmpdir(), "kubelab-fatal-"));
  running = start(["server", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--log-level", "warn", "--disable-controllers", "all"], {
    nodeArgs: ["--import", preload],
    env: { KUBELAB_TEST_FATAL: kind },
  });
  const url = await eventually(() => /"kubelab server ready","url":"([^"]+)"/.exec(running!.stdout())?.[1], { timeoutMs: 60_000 });
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  running.child.kill("SIGUSR2");
  const exited = await running.exited;
  return { url, ...exited };
}

function fatalRecordIn(stderr: string): Record<string, any> {
  const line = stderr.split("\n").find((l) => l.startsWith("{") && l.includes('"level":60'));
  expect(line).toBeDefined();
  return JSON.parse(line!);
}

describe("fatal errors in a kubelab process", () => {
  it("an uncaught exception: logged with component and stack, one line, cleanups run, exit 1, port closed", async () => {
    const r = await serverThatFails("exception");
    expect(r.code).toBe(1);
    const record = fatalRecordIn(r.stderr);
    expect(record).toMatchObject({ component: "server", event: "uncaughtException", err: { type: "TypeError", message: "injected exception" } });
    expect(record.err.stack).toContain("inject-fatal.mjs");
    expect(r.stderr).toContain("kubelab server: fatal: uncaught exception: injected exception; exiting with code 1\n");
    expect(r.stderr).toContain("cleanup ran");
    await expect(fetch(`${r.url}/readyz`)).rejects.toThrow();
  });

  it("an unhandled rejection ends the process the same way instead of leaving it half-alive", async () => {
    const r = await serverThatFails("rejection");
    expect(r.code).toBe(1);
    expect(fatalRecordIn(r.stderr)).toMatchObject({ component: "server", event: "unhandledRejection", err: { type: "RangeError", message: "injected rejection" } });
    expect(r.stderr).toContain("kubelab server: fatal: unhandled promise rejection: injected rejection; exiting with code 1");
  });
});

describe("fatal records", () => {
  it("describe what was thrown even when it is not an Error", () => {
    expect(errorField("plain string")).toEqual({ type: "string", message: "plain string" });
    expect(errorField({ code: 7 })).toEqual({ type: "object", message: '{"code":7}' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorField(cyclic).message).toBe("[object Object]");
    expect(errorField(undefined)).toEqual({ type: "undefined", message: "undefined" });
  });

  it("keep the human line on one line and the record in pino's shape", () => {
    expect(fatalLine("uncaughtException", new Error("a\n  b"), "agent")).toBe("kubelab agent: fatal: uncaught exception: a b; exiting with code 1");
    expect(fatalRecord("unhandledRejection", new Error("x"), "lab up")).toMatchObject({ level: 60, component: "lab up", msg: "unhandled promise rejection: exiting" });
  });
});
