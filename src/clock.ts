/** Time as a dependency, so debounce, pacing and expiry are testable without sleeping. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A manual clock for tests: `sleep` resolves when `advance` moves time past its deadline. */
export class ManualClock implements Clock {
  private current: number;
  private waiters: { at: number; resolve: () => void }[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ at: this.current + ms, resolve }));
  }

  /** Moves time forward and wakes every sleeper whose deadline has passed. */
  async advance(ms: number): Promise<void> {
    this.current += ms;
    const due = this.waiters.filter((w) => w.at <= this.current);
    this.waiters = this.waiters.filter((w) => w.at > this.current);
    for (const w of due) w.resolve();
    // Let the woken continuations run before the caller looks at the result.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }

  get sleepers(): number {
    return this.waiters.length;
  }
}
