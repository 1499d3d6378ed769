import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock } from '../../../src/clock.ts';
import { isAppError } from '../../../src/errors.ts';
import { createRateLimiterRegistry, RateLimiter, type RateLimiterOptions } from '../../../src/bigcommerce/rate-limiter.ts';

const STORE = 'abc123';

/** Rate-limit headers as BigCommerce sends them; only the given ones are set. */
function rl(h: { windowMs?: number; resetMs?: number; quota?: number; left?: number; retryAfterS?: number }): Headers {
  const out = new Headers();
  if (h.windowMs !== undefined) out.set('X-Rate-Limit-Time-Window-Ms', String(h.windowMs));
  if (h.resetMs !== undefined) out.set('X-Rate-Limit-Time-Reset-Ms', String(h.resetMs));
  if (h.quota !== undefined) out.set('X-Rate-Limit-Requests-Quota', String(h.quota));
  if (h.left !== undefined) out.set('X-Rate-Limit-Requests-Left', String(h.left));
  if (h.retryAfterS !== undefined) out.set('X-Retry-After', String(h.retryAfterS));
  return out;
}

function setup(opts: Partial<RateLimiterOptions> = {}) {
  const clock = new ManualClock();
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  // random 0: no jitter, so expected waits are exact (the exponential part uses the low end, 0.5x).
  const limiter = new RateLimiter({ storeHash: STORE, clock, logger, random: () => 0, ...opts });
  return { clock, limiter, lines, waitLogs: () => lines.filter((l) => l.msg === 'bigcommerce rate limit wait') };
}

/** Starts an acquire and exposes whether it has resolved yet. */
function track(p: Promise<void>) {
  const t = { done: false, error: undefined as unknown };
  p.then(
    () => (t.done = true),
    (e: unknown) => (t.error = e),
  );
  return t;
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('RateLimiter pacing before a request', () => {
  const cases: { name: string; reserve?: number; headers: Parameters<typeof rl>[0]; inFlight: number; waitMs: number }[] = [
    { name: 'plenty left: no wait', headers: { windowMs: 30_000, resetMs: 20_000, quota: 150, left: 100 }, inFlight: 0, waitMs: 0 },
    { name: 'left == reserve: waits for the reset', headers: { windowMs: 30_000, resetMs: 12_345, quota: 150, left: 5 }, inFlight: 0, waitMs: 12_345 },
    { name: 'left < reserve: waits for the reset', headers: { windowMs: 30_000, resetMs: 800, quota: 150, left: 2 }, inFlight: 0, waitMs: 800 },
    { name: 'left just above reserve: no wait', headers: { windowMs: 30_000, resetMs: 800, quota: 150, left: 6 }, inFlight: 0, waitMs: 0 },
    { name: 'in-flight requests count against left', headers: { windowMs: 30_000, resetMs: 800, quota: 150, left: 6 }, inFlight: 1, waitMs: 800 },
    { name: 'reserve 0, one left: no wait', reserve: 0, headers: { windowMs: 1000, resetMs: 500, quota: 10, left: 1 }, inFlight: 0, waitMs: 0 },
    { name: 'reserve 0, none left: waits', reserve: 0, headers: { windowMs: 1000, resetMs: 500, quota: 10, left: 0 }, inFlight: 0, waitMs: 500 },
    { name: 'reset already due (0 ms): no wait', headers: { windowMs: 30_000, resetMs: 0, quota: 150, left: 0 }, inFlight: 0, waitMs: 0 },
    { name: 'reserve >= quota is capped at half the quota', reserve: 5, headers: { windowMs: 1000, resetMs: 900, quota: 4, left: 3 }, inFlight: 0, waitMs: 0 },
    { name: 'no headers at all: no pacing', headers: {}, inFlight: 0, waitMs: 0 },
    { name: 'left without reset: cannot pace, no wait', headers: { left: 0, quota: 150 }, inFlight: 0, waitMs: 0 },
  ];

  it.each(cases)('$name', async ({ reserve, headers, inFlight, waitMs }) => {
    const { clock, limiter, waitLogs } = setup(reserve === undefined ? {} : { reserve });
    for (let i = 0; i < inFlight; i++) await limiter.acquire();
    limiter.update(rl(headers), clock.now());
    const t = track(limiter.acquire());
    await flush();
    if (waitMs === 0) {
      expect(t.done).toBe(true);
      expect(limiter.stats()).toEqual({ waits: 0, waitedMs: 0, rateLimited: 0 });
      expect(waitLogs()).toHaveLength(0);
      return;
    }
    expect(t.done).toBe(false);
    await clock.advance(waitMs - 1);
    expect(t.done).toBe(false);
    await clock.advance(1);
    expect(t.done).toBe(true);
    expect(limiter.stats()).toEqual({ waits: 1, waitedMs: waitMs, rateLimited: 0 });
    expect(waitLogs()).toEqual([expect.objectContaining({ storeHash: STORE, waitMs, level: 30 })]);
  });

  it('adds jitter of at most jitterMs after the reset time', async () => {
    const { clock, limiter } = setup({ random: () => 0.5, jitterMs: 200 });
    limiter.update(rl({ windowMs: 30_000, resetMs: 1000, quota: 150, left: 0 }));
    const t = track(limiter.acquire());
    await clock.advance(1099);
    expect(t.done).toBe(false);
    await clock.advance(1);
    expect(t.done).toBe(true);
  });

  it('ignores garbage header values', async () => {
    const { limiter } = setup();
    const h = new Headers({ 'X-Rate-Limit-Requests-Left': 'abc', 'X-Rate-Limit-Time-Reset-Ms': '-5', 'X-Rate-Limit-Requests-Quota': '' });
    limiter.update(h);
    expect(limiter.snapshot()).toMatchObject({ left: undefined, resetAtMs: undefined, quota: undefined });
    await expect(limiter.acquire()).resolves.toBeUndefined();
  });

  it('throws BC_BUDGET_EXCEEDED at once when the wait would pass the deadline', async () => {
    const { clock, limiter } = setup();
    limiter.update(rl({ windowMs: 30_000, resetMs: 5000, quota: 150, left: 0 }));
    const err = await limiter.acquire({ deadlineMs: clock.now() + 4999 }).catch((e: unknown) => e);
    expect(isAppError(err, 'BC_BUDGET_EXCEEDED')).toBe(true);
    expect(err).toMatchObject({ retryable: true, details: { storeHash: STORE, waitMs: 5000, remainingMs: 4999 } });
    expect(limiter.stats().waits).toBe(0);
    expect(limiter.snapshot().inFlight).toBe(0);
    // A deadline the wait fits in is fine.
    const t = track(limiter.acquire({ deadlineMs: clock.now() + 5000 }));
    await clock.advance(5000);
    expect(t.done).toBe(true);
  });

  it('assumes a fresh window after the reset and re-paces from the quota', async () => {
    const { clock, limiter } = setup({ reserve: 0 });
    limiter.update(rl({ windowMs: 1000, resetMs: 400, quota: 3, left: 0 }));
    const waiters = [track(limiter.acquire()), track(limiter.acquire()), track(limiter.acquire()), track(limiter.acquire())];
    await clock.advance(400);
    // Quota 3 in the new window: three go, the fourth waits for the window after.
    expect(waiters.map((w) => w.done)).toEqual([true, true, true, false]);
    expect(limiter.snapshot()).toMatchObject({ left: 3, estimated: true, inFlight: 3, resetAtMs: clock.now() + 1000 });
    // Still in flight, they count against the next window too; once released they do not.
    for (let i = 0; i < 3; i++) limiter.release();
    await clock.advance(1000);
    expect(waiters[3]!.done).toBe(true);
  });
});

describe('RateLimiter concurrency accounting', () => {
  it('lets exactly left - reserve requests go out before any response', async () => {
    const { limiter } = setup({ reserve: 5 });
    limiter.update(rl({ windowMs: 30_000, resetMs: 10_000, quota: 150, left: 10 }));
    const ts = Array.from({ length: 8 }, () => track(limiter.acquire()));
    await flush();
    expect(ts.filter((t) => t.done)).toHaveLength(5);
    expect(limiter.snapshot().inFlight).toBe(5);
  });

  it('a response that used a unit does not free a slot', async () => {
    const { clock, limiter } = setup({ reserve: 5 });
    limiter.update(rl({ windowMs: 30_000, resetMs: 10_000, quota: 150, left: 10 }));
    for (let i = 0; i < 5; i++) await limiter.acquire();
    // First response: the server counted it (left 9) and it leaves flight: 9 - 4 = 5 <= reserve.
    limiter.update(rl({ windowMs: 30_000, resetMs: 9_990, quota: 150, left: 9 }), clock.now());
    limiter.release();
    const sixth = track(limiter.acquire());
    await clock.advance(9_999);
    expect(sixth.done).toBe(false);
    await clock.advance(1);
    expect(sixth.done).toBe(true);
  });

  it('a release without a response (network error) frees its slot', async () => {
    const { limiter } = setup({ reserve: 5 });
    limiter.update(rl({ windowMs: 30_000, resetMs: 10_000, quota: 150, left: 10 }));
    for (let i = 0; i < 5; i++) await limiter.acquire();
    limiter.release();
    const sixth = track(limiter.acquire());
    await flush();
    expect(sixth.done).toBe(true);
    expect(limiter.snapshot().inFlight).toBe(5);
  });

  it('keeps the lowest left of out-of-order responses in the same window', () => {
    const { clock, limiter } = setup();
    limiter.update(rl({ windowMs: 30_000, resetMs: 10_000, quota: 150, left: 3 }), clock.now());
    // An older request's answer, arriving later, says more was left: not believed.
    limiter.update(rl({ windowMs: 30_000, resetMs: 10_020, quota: 150, left: 8 }), clock.now());
    expect(limiter.snapshot()).toMatchObject({ left: 3, resetAtMs: clock.now() + 10_020 });
  });

  it('ignores a late answer from an older window, and takes a newer window at once', () => {
    const { clock, limiter } = setup();
    limiter.update(rl({ windowMs: 30_000, resetMs: 29_000, quota: 150, left: 140 }), clock.now());
    limiter.update(rl({ windowMs: 30_000, resetMs: 10, quota: 150, left: 0 }), clock.now());
    expect(limiter.snapshot()).toMatchObject({ left: 140, resetAtMs: clock.now() + 29_000 });
    limiter.update(rl({ windowMs: 30_000, resetMs: 50_000, quota: 150, left: 149 }), clock.now());
    expect(limiter.snapshot()).toMatchObject({ left: 149, resetAtMs: clock.now() + 50_000 });
  });

  it('release never drives in-flight negative', async () => {
    const { limiter } = setup();
    await limiter.acquire();
    limiter.release();
    limiter.release();
    expect(limiter.snapshot().inFlight).toBe(0);
  });
});

describe('RateLimiter on 429', () => {
  const cases: { name: string; headers: Parameters<typeof rl>[0]; waitMs: number }[] = [
    { name: 'retry-after longer than reset', headers: { windowMs: 30_000, resetMs: 2000, quota: 150, left: 0, retryAfterS: 5 }, waitMs: 5000 },
    { name: 'reset longer than retry-after', headers: { windowMs: 30_000, resetMs: 7000, quota: 150, left: 0, retryAfterS: 1 }, waitMs: 7000 },
    { name: 'retry-after only', headers: { retryAfterS: 3 }, waitMs: 3000 },
    { name: 'reset only', headers: { resetMs: 1500, left: 0 }, waitMs: 1500 },
    // random 0 -> the low end of the equal-jitter range [0.5, 1] x 1000.
    { name: 'no headers: platform overload -> exponential backoff', headers: {}, waitMs: 500 },
  ];

  it.each(cases)('$name', async ({ headers, waitMs }) => {
    const { clock, limiter, waitLogs } = setup();
    expect(limiter.onRateLimited(rl(headers))).toBe(waitMs);
    const t = track(limiter.acquire());
    await clock.advance(waitMs - 1);
    expect(t.done).toBe(false);
    await clock.advance(1);
    expect(t.done).toBe(true);
    expect(limiter.stats()).toEqual({ waits: 1, waitedMs: waitMs, rateLimited: 1 });
    expect(waitLogs()).toHaveLength(1);
  });

  it('escalates exponentially on repeated header-less 429s, up to the cap', async () => {
    const { clock, limiter } = setup({ random: () => 0.999_999, backoffBaseMs: 1000, backoffMaxMs: 8000 });
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const w = limiter.onRateLimited(new Headers());
      waits.push(w);
      await clock.advance(w);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('escalates beyond the headers on repeats, and never waits less than they say', async () => {
    const { clock, limiter } = setup({ random: () => 0.999_999, jitterMs: 0, backoffBaseMs: 1000 });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const w = limiter.onRateLimited(rl({ windowMs: 30_000, resetMs: 1500, quota: 150, left: 0, retryAfterS: 1 }));
      waits.push(w);
      await clock.advance(w);
    }
    expect(waits).toEqual([1500, 2000, 4000, 8000]);
  });

  it('jitters the repeated backoff within [0.5, 1] of the exponential value', async () => {
    const randoms = [0, 0.5];
    const { clock, limiter } = setup({ random: () => randoms.shift() ?? 0, backoffBaseMs: 1000 });
    await clock.advance(limiter.onRateLimited(new Headers())); // n=1 with r=0: 500
    expect(limiter.onRateLimited(new Headers())).toBe(1500); // n=2: 2000 x (0.5 + 0.5 x 0.5)
  });

  it('counts concurrent 429s of one episode once (no escalation for requests already in flight)', async () => {
    const { clock, limiter } = setup({ random: () => 0.999_999, backoffBaseMs: 1000, jitterMs: 0 });
    expect(limiter.onRateLimited(new Headers())).toBe(1000);
    await clock.advance(10);
    // Two more requests that were in flight get 429 too: same episode, same end time.
    expect(limiter.onRateLimited(new Headers())).toBe(990);
    expect(limiter.onRateLimited(new Headers())).toBe(990);
    // One with headers is authoritative: it may extend the penalty, still without escalating.
    expect(limiter.onRateLimited(rl({ resetMs: 1500, left: 0 }))).toBe(1500);
    expect(limiter.snapshot().consecutiveRateLimited).toBe(1);
    expect(limiter.stats().rateLimited).toBe(4);
  });

  it('a success after the penalty resets the streak; one from a request already in flight does not', async () => {
    const { clock, limiter } = setup({ random: () => 0.999_999, backoffBaseMs: 1000 });
    await clock.advance(limiter.onRateLimited(new Headers()) - 1);
    limiter.update(new Headers()); // in flight when the 429 came: streak stays
    await clock.advance(1);
    expect(limiter.onRateLimited(new Headers())).toBe(2000);
    await clock.advance(2000);
    limiter.update(new Headers()); // sent after the penalty: streak over
    expect(limiter.snapshot().consecutiveRateLimited).toBe(0);
    expect(limiter.onRateLimited(new Headers())).toBe(1000);
  });

  it('blocks every caller of the limiter, not just the one that got the 429', async () => {
    const { clock, limiter, waitLogs } = setup();
    limiter.onRateLimited(rl({ windowMs: 30_000, resetMs: 3000, quota: 150, left: 0 }));
    const ts = [track(limiter.acquire()), track(limiter.acquire()), track(limiter.acquire())];
    await clock.advance(2999);
    expect(ts.some((t) => t.done)).toBe(false);
    await clock.advance(1);
    expect(ts.every((t) => t.done)).toBe(true);
    expect(waitLogs()).toHaveLength(3);
  });

  it('records the 429 headers as the window state (left 0 until reset)', () => {
    const { clock, limiter } = setup();
    limiter.onRateLimited(rl({ windowMs: 30_000, resetMs: 4000, quota: 150, retryAfterS: 4 }));
    expect(limiter.snapshot()).toMatchObject({ left: 0, quota: 150, windowMs: 30_000, resetAtMs: clock.now() + 4000, penaltyUntilMs: clock.now() + 4000 });
  });
});

describe('createRateLimiterRegistry', () => {
  it('hands out one limiter per store', () => {
    const reg = createRateLimiterRegistry({ clock: new ManualClock(), reserve: 3 });
    const a = reg.forStore('a');
    expect(reg.forStore('a')).toBe(a);
    expect(reg.forStore('b')).not.toBe(a);
    expect(reg.forStore('b').storeHash).toBe('b');
  });

  it("keeps a store's GraphQL limiter apart from its REST limiter", () => {
    const reg = createRateLimiterRegistry({ clock: new ManualClock() });
    const g = reg.forStoreGraphql('a');
    expect(reg.forStoreGraphql('a')).toBe(g);
    expect(g).not.toBe(reg.forStore('a'));
    g.update({ get: (n: string) => ({ 'x-rate-limit-requests-left': '16101494', 'x-rate-limit-time-reset-ms': '29998', 'x-rate-limit-requests-quota': '16101495' })[n] ?? null });
    expect(reg.forStore('a').snapshot().left).toBeUndefined();
  });
});
