import { systemClock, type Clock } from '../../src/clock.ts';

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between probes (default 10 ms). */
  intervalMs?: number;
  /** Names the condition in the timeout error. */
  what?: string;
}

/**
 * Polls `probe` until it returns a truthy value (which is returned) or the deadline passes (which
 * throws, with the last value or error). A probe that throws counts as "not yet". This is how tests
 * wait: on a condition with a deadline, never on a fixed sleep that guesses how long something takes.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'} (last: ${detail})`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A `fetch` that holds the requests `matches` selects until `release()`, so a test can act while a
 * request is known to be in flight (instead of injecting latency and sleeping for part of it).
 * `arrived` resolves when the first held request came in; `held` counts them.
 */
export function gatedFetch(matches: (url: string, init: RequestInit | undefined) => boolean) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let arrive!: () => void;
  const arrived = new Promise<void>((r) => (arrive = r));
  let held = 0;
  const gated: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (matches(url, init)) {
      held++;
      arrive();
      await released;
    }
    return fetch(input, init);
  };
  return {
    fetch: gated,
    arrived,
    release: () => release(),
    get held() {
      return held;
    },
  };
}

/**
 * The system clock, jumped forward on demand: `now()` runs with real time plus the jumps, `sleep`
 * uses real timers. For a real server (the sandbox) whose timestamps a test needs in a later second
 * (BigCommerce's date_modified has seconds precision) without waiting that second out.
 */
export class JumpClock implements Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  jump(ms: number): void {
    this.offsetMs += ms;
  }
}
