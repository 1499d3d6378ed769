import { describe, expect, it } from 'vitest';
import { syncReadiness, missingRetryDelayMs, type PendingProduct } from '../../../src/category-sync/readiness.ts';

const S = { windowMs: 10_000, maxWaitMs: 60_000 };
const p = (productId: number, lastSeenAtMs: number, waitingSinceMs = lastSeenAtMs, extra: Partial<PendingProduct> = {}): PendingProduct => ({
  productId,
  version: 'v',
  lastSeenAtMs,
  waitingSinceMs,
  deleteSeen: false,
  newestEventAtMs: undefined,
  newestChangeEventAtMs: undefined,
  staleRereads: 0,
  attempts: 0,
  notBeforeMs: undefined,
  ...extra,
});

describe('syncReadiness', () => {
  it.each([
    { name: 'nothing pending', pending: [], now: 0, ready: [], due: undefined },
    { name: 'store still busy (last event 5 s ago)', pending: [p(1, 0), p(2, 5_000)], now: 10_000, ready: [], due: 15_000 },
    { name: 'store quiet for the window', pending: [p(1, 0), p(2, 5_000)], now: 15_000, ready: [1, 2], due: 15_000 },
    { name: 'steady stream hits the cap', pending: [p(1, 55_000, 0), p(2, 59_000, 1_000)], now: 60_000, ready: [1, 2], due: 60_000 },
    { name: 'cap not reached yet in a steady stream', pending: [p(1, 50_000, 0), p(2, 55_000, 1_000)], now: 59_999, ready: [], due: 60_000 },
    { name: 'a retry waits for its own time', pending: [p(3, 0, 0, { attempts: 1, notBeforeMs: 20_000 })], now: 15_000, ready: [], due: 20_000 },
    { name: 'a retry comes due', pending: [p(3, 0, 0, { attempts: 1, notBeforeMs: 20_000 })], now: 20_000, ready: [3], due: 20_000 },
    { name: 'retries do not hold back quiet fresh work', pending: [p(1, 0), p(3, 0, 0, { attempts: 1, notBeforeMs: 50_000 })], now: 10_000, ready: [1], due: 10_000 },
    { name: 'a due retry goes alone when fresh work is not quiet', pending: [p(1, 9_000), p(3, 0, 0, { attempts: 2, notBeforeMs: 5_000 })], now: 10_000, ready: [3], due: 5_000 },
  ])('$name', ({ pending, now, ready, due }) => {
    const r = syncReadiness(pending, now, S);
    expect(r.ready.map((x) => x.productId)).toEqual(ready);
    expect(r.dueAtMs).toBe(due);
  });
});

describe('missingRetryDelayMs', () => {
  it.each([
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [5, 80_000],
  ])('attempt %i -> %i ms', (attempt, ms) => expect(missingRetryDelayMs(attempt, 5_000)).toBe(ms));
});
