// One concurrency limiter for every component: at most `limit` tasks at once, the rest wait in
// arrival order (a counting semaphore). Used for bindings in flight (scheduler), applies at once
// (git-sync's mapLimit), status writes and stats reads (agent).

export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency limit must be a whole number of at least 1, got ${limit}`);
  }

  /** Tasks holding a slot now. */
  active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot. */
  waiting(): number {
    return this.waiters.length;
  }

  /** Waits for a slot; call the returned function (once; later calls do nothing) to give it back. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.running++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.release();
        });
      };
      if (this.running < this.limit) grant();
      else this.waiters.push(grant);
    });
  }

  /** Runs fn in a slot (waiting for one first); the slot is given back however fn ends. */
  async run<R>(fn: () => Promise<R> | R): Promise<R> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Resolves when no task holds or waits for a slot. */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.waiters.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private release(): void {
    this.running--;
    const next = this.waiters.shift();
    if (next) return next();
    if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}

/**
 * fn over every item with at most `limit` at once; results in the items' order. The first
 * rejection rejects the whole (items already started still finish; no new ones start).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limiter = new ConcurrencyLimiter(Math.max(1, limit));
  let failed = false;
  return Promise.all(
    items.map((item, i) =>
      limiter.run(async () => {
        if (failed) throw new Error("mapLimit: stopped after an earlier failure");
        try {
          return await fn(item, i);
        } catch (err) {
          failed = true;
          throw err;
        }
      }),
    ),
  );
}
