// How long a failing key waits before its next try: per-item exponential backoff (Kubernetes'
// ItemExponentialFailureRateLimiter: 5 ms doubling to 1000 s by default).

export interface RateLimiter {
  /** Delay before the next try of key; counts a failure. */
  when(key: string): number;
  /** The key succeeded: reset its failures. */
  forget(key: string): void;
  /** Failures counted for key since the last forget. */
  numRequeues(key: string): number;
}

export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 1_000_000,
  ) {}

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows nothing here: cap the exponent before multiplying.
    const delay = this.baseDelayMs * 2 ** Math.min(n, 62);
    return Math.min(delay, this.maxDelayMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
