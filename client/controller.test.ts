import { pino } from "pino";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { FakeClock } from "./clock";
import { runController, TerminalError, type ReconcileOutcome } from "./controller";
import { WorkQueue } from "./workqueue";
import { eventually } from "../test/fixtures/wait";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("runController", () => {
  it("retries a failing key with backoff until it succeeds, then forgets it", async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const { logger, lines } = capture();
    let calls = 0;
    const outcomes: ReconcileOutcome[] = [];
    const done = runController({
      name: "test",
      queue,
      logger,
      onResult: (o) => outcomes.push(o),
      sync: async () => {
        calls++;
        if (calls < 3) throw new Error("not yet");
      },
    });
    queue.add("default/a");
    await tick();
    expect(calls).toBe(1);
    expect(queue.numRequeues("default/a")).toBe(1);
    clock.advance(5);
    await tick();
    expect(calls).toBe(2);
    clock.advance(10);
    await tick();
    expect(calls).toBe(3);
    expect(queue.numRequeues("default/a")).toBe(0);
    expect(outcomes.map((o) => o.result)).toEqual(["error", "error", "success"]);
    const errLine = lines.find((l) => l.msg === "Reconciler error");
    expect(errLine).toMatchObject({ controller: "test", key: "default/a" });
    expect(typeof errLine?.reconcileID).toBe("string");
    queue.shutDown();
    await done;
  });

  it("does not retry a TerminalError", async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const { logger, lines } = capture();
    let calls = 0;
    const done = runController({
      name: "t",
      queue,
      logger,
      sync: async () => {
        calls++;
        throw new TerminalError("spec is wrong");
      },
    });
    queue.add("k");
    await tick();
    clock.advance(1_000_000);
    await tick();
    expect(calls).toBe(1);
    expect(queue.delayed()).toBe(0);
    expect(lines.some((l) => l.msg === "Reconciler error (terminal, not retried)")).toBe(true);
    queue.shutDown();
    await done;
  });

  it("requeues after the requested time when sync asks for it", async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const seen: number[] = [];
    const done = runController({
      name: "t",
      queue,
      sync: async () => {
        seen.push(clock.now());
        return seen.length < 3 ? { requeueAfter: 1000 } : undefined;
      },
    });
    queue.add("k");
    await tick();
    clock.advance(999);
    await tick();
    expect(seen).toEqual([0]);
    clock.advance(1);
    await tick();
    clock.advance(1000);
    await tick();
    expect(seen).toEqual([0, 1000, 2000]);
    clock.advance(10_000);
    await tick();
    expect(seen.length).toBe(3);
    queue.shutDown();
    await done;
  });

  it("never syncs one key in two workers at once, but syncs different keys in parallel", async () => {
    const queue = new WorkQueue();
    let running = 0;
    let maxSameKey = 0;
    let maxParallel = 0;
    const active = new Map<string, number>();
    let syncs = 0;
    const done = runController({
      name: "t",
      queue,
      workers: 4,
      sync: async (key) => {
        syncs++;
        running++;
        active.set(key, (active.get(key) ?? 0) + 1);
        maxSameKey = Math.max(maxSameKey, active.get(key)!);
        maxParallel = Math.max(maxParallel, running);
        // Stay busy across a few turns of the event loop, so other workers overlap.
        for (let i = 0; i < 3; i++) await tick();
        if (key === "a" && syncs < 6) queue.add("a");
        active.set(key, active.get(key)! - 1);
        running--;
      },
    });
    queue.add("a");
    queue.add("b");
    queue.add("c");
    await eventually(() => syncs >= 6 && running === 0, 5000, "a requeued until its sixth sync");
    expect(maxSameKey).toBe(1);
    expect(maxParallel).toBeGreaterThanOrEqual(2);
    queue.shutDown();
    await done;
  });

  it("stops its workers when the signal aborts", async () => {
    const queue = new WorkQueue();
    const ac = new AbortController();
    let signalSeen: AbortSignal | undefined;
    const done = runController({
      name: "t",
      queue,
      workers: 2,
      signal: ac.signal,
      sync: async (_key, ctx) => {
        signalSeen = ctx.signal;
      },
    });
    queue.add("x");
    await tick();
    ac.abort();
    await done;
    expect(queue.shuttingDown()).toBe(true);
    expect(signalSeen?.aborted).toBe(true);
  });
});

describe("controller metrics", () => {
  it("counts reconciliations by result and shows the queue depth", async () => {
    const { Registry } = await import("prom-client");
    const registry = new Registry();
    const clock = new FakeClock();
    const queue = new WorkQueue({ name: "metrics-test", clock });
    let n = 0;
    let release = () => {};
    const done = runController({
      name: "m",
      queue,
      metrics: registry,
      sync: async (key) => {
        if (key === "stuck") await new Promise<void>((r) => (release = r));
        if (n++ === 0) throw new Error("first fails");
      },
    });
    queue.add("a");
    await tick();
    clock.advance(5);
    await tick();
    queue.add("stuck");
    queue.add("b");
    queue.add("c");
    await tick();
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="m",result="error"} 1');
    expect(text).toContain('controller_runtime_reconcile_total{controller="m",result="success"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="m"} 1');
    // one worker is busy with "stuck": b and c wait
    expect(text).toContain('workqueue_depth{name="metrics-test"} 2');
    queue.shutDown();
    release();
    await done;
    expect(await registry.metrics()).toContain('controller_runtime_reconcile_total{controller="m",result="success"} 4');
  });

  it("records Kubernetes' workqueue metrics for the queue: adds, retries, time queued, time working, work in progress", async () => {
    const { Registry } = await import("prom-client");
    const registry = new Registry();
    const clock = new FakeClock();
    const queue = new WorkQueue({ name: "wq", clock });
    let release = () => {};
    let failed = false;
    // The queue fills before the workers start, as it does while informers sync.
    queue.add("slow");
    queue.add("flaky");
    queue.add("flaky"); // already queued: not counted again
    const done = runController({
      name: "wq-controller",
      queue,
      workers: 2,
      metrics: registry,
      sync: async (key) => {
        if (key === "slow") await new Promise<void>((r) => (release = r));
        if (key === "flaky" && !failed) {
          failed = true;
          throw new Error("once");
        }
      },
    });
    const value = async (name: string, labels = 'name="wq"') => {
      const line = (await registry.metrics()).split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
      return line === undefined ? undefined : Number(line.split(" ").pop());
    };
    expect(await value("controller_runtime_reconcile_total", 'controller="wq-controller",result="requeue"')).toBe(0);
    expect(await value("controller_runtime_max_concurrent_reconciles", 'controller="wq-controller"')).toBe(2);
    await tick();
    clock.advance(5);
    await tick();
    clock.advance(2000);
    expect(await value("workqueue_adds_total")).toBe(3);
    expect(await value("workqueue_retries_total")).toBe(1);
    expect(await value("workqueue_depth")).toBe(0);
    expect(await value("workqueue_longest_running_processor_seconds")).toBeCloseTo(2.005, 3);
    expect(await value("workqueue_unfinished_work_seconds")).toBeCloseTo(2.005, 3);
    expect(await value("controller_runtime_active_workers", 'controller="wq-controller"')).toBe(1);
    expect(await value("workqueue_queue_duration_seconds_count")).toBe(3);
    release();
    await eventually(async () => (await value("workqueue_work_duration_seconds_count")) === 3, 5000, "three syncs done");
    expect(await value("workqueue_longest_running_processor_seconds")).toBe(0);
    queue.shutDown();
    await done;
  });
});
