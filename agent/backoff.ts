// Per-key exponential back-off, as the kubelet uses for CrashLoopBackOff and ImagePullBackOff:
// the first retry is immediate, then initial, doubling up to max; a key quiet for 2 x max resets.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  now?: () => number;
}

export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; lastMs: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: BackoffOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Records one more retry of key; returns the delay the next retry must wait. */
  next(key: string): number {
    const now = this.now();
    const entry = this.entries.get(key);
    if (!entry || now - entry.lastMs > 2 * this.opts.maxMs) {
      this.entries.set(key, { delayMs: this.opts.initialMs, lastMs: now });
      return this.opts.initialMs;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.opts.maxMs);
    entry.lastMs = now;
    return entry.delayMs;
  }

  /** Milliseconds still to wait when the last failure happened at sinceMs; 0 when free to retry. */
  remaining(key: string, sinceMs: number): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    return Math.max(0, sinceMs + entry.delayMs - this.now());
  }

  delay(key: string): number | undefined {
    return this.entries.get(key)?.delayMs;
  }

  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
