import { describe, expect, it } from 'vitest';
import { planSyncOutcome, type SyncOutcome } from '../../../src/category-sync/plan-sync-outcome.ts';
import type { PendingProduct } from '../../../src/category-sync/readiness.ts';
import type { Product } from '../../../src/bigcommerce/product.ts';

const NOW = 1_700_000_000_000;
const settings = { missingMaxAttempts: 3, missingRetryMs: 5_000, staleToleranceMs: 10_000, staleRetryMs: 25_000 };
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', '+00:00');

const pending = (productId: number, o: Partial<PendingProduct> = {}): PendingProduct => ({
  productId,
  version: `v${productId}`,
  lastSeenAtMs: NOW - 20_000,
  waitingSinceMs: NOW - 30_000,
  deleteSeen: false,
  newestEventAtMs: undefined,
  newestChangeEventAtMs: undefined,
  staleRereads: 0,
  attempts: 0,
  notBeforeMs: undefined,
  ...o,
});
const product = (id: number, modifiedMs?: number): Product => ({ id, categories: [], ...(modifiedMs === undefined ? {} : { date_modified: iso(modifiedMs) }) });

/** The outcome reduced to ids per decision, plus the retry schedule. */
function summary(o: SyncOutcome) {
  return {
    current: o.current.map((p) => p.id),
    done: o.done.map((p) => p.productId),
    stale: o.stale,
    retry: o.retry.map((r) => [r.productId, r.attempts, r.notBeforeMs - NOW]),
    exhausted: o.exhausted.map((p) => [p.productId, p.attempts]),
  };
}

const EMPTY = { current: [], done: [], stale: [], retry: [], exhausted: [] };

describe('planSyncOutcome', () => {
  const cases: { name: string; ready: PendingProduct[]; products: Product[]; want: Partial<ReturnType<typeof summary>> }[] = [
    { name: 'ready: a product read is done and current', ready: [pending(1)], products: [product(1, NOW)], want: { current: [1], done: [1] } },
    { name: 'ready without date_modified cannot be stale', ready: [pending(1, { newestChangeEventAtMs: NOW })], products: [product(1)], want: { current: [1], done: [1] } },
    { name: 'within the stale tolerance is current', ready: [pending(1, { newestChangeEventAtMs: NOW })], products: [product(1, NOW - 10_000)], want: { current: [1], done: [1] } },
    {
      name: 'stale: a read older than the newest event beyond the tolerance is read again, and the rules do not see it',
      ready: [pending(1, { newestChangeEventAtMs: NOW })],
      products: [product(1, NOW - 10_001)],
      want: { current: [], done: [], stale: [1], retry: [[1, 0, 25_000]] },
    },
    {
      name: 'stale again after its one re-read: the read is taken as the truth',
      ready: [pending(1, { newestChangeEventAtMs: NOW, staleRereads: 1 })],
      products: [product(1, NOW - 60_000)],
      want: { current: [1], done: [1], stale: [] },
    },
    {
      name: 'only inventory/SKU events (date_modified need not move): never stale',
      ready: [pending(1, { newestEventAtMs: NOW })],
      products: [product(1, NOW - 600_000)],
      want: { current: [1], done: [1], stale: [] },
    },
    {
      name: 'stale after earlier 404s: one re-read, the missing attempts untouched',
      ready: [pending(1, { newestChangeEventAtMs: NOW, attempts: 2 })],
      products: [product(1, NOW - 60_000)],
      want: { current: [], stale: [1], retry: [[1, 2, 25_000]] },
    },
    { name: 'missing: absent right after its event, retried with the first delay', ready: [pending(1)], products: [], want: { retry: [[1, 1, 5_000]] } },
    { name: 'missing again: the delay doubles per attempt', ready: [pending(1, { attempts: 1 })], products: [], want: { retry: [[1, 2, 10_000]] } },
    { name: 'exhausted: absent on the last attempt is given up, attempts counted', ready: [pending(1, { attempts: 2 })], products: [], want: { exhausted: [[1, 3]] } },
    { name: 'deleted: absent after a delete event is final', ready: [pending(1, { deleteSeen: true })], products: [], want: { done: [1] } },
    { name: 'deleted then re-read present (events out of order): the read is current', ready: [pending(1, { deleteSeen: true })], products: [product(1, NOW)], want: { current: [1], done: [1] } },
    { name: 'a full sync returns products nobody waits for: the rules still see them', ready: [pending(1)], products: [product(1, NOW), product(2, NOW)], want: { current: [1, 2], done: [1] } },
    {
      name: 'a mixed batch lands every record in exactly one decision',
      ready: [pending(1), pending(2, { deleteSeen: true }), pending(3), pending(4, { attempts: 2 }), pending(5, { newestChangeEventAtMs: NOW })],
      products: [product(1, NOW), product(5, NOW - 30_000)],
      want: { current: [1], done: [1, 2], stale: [5], retry: [[3, 1, 5_000], [5, 0, 25_000]], exhausted: [[4, 3]] },
    },
    { name: 'nothing ready, nothing read', ready: [], products: [], want: {} },
  ];

  it.each(cases)('$name', ({ ready, products, want }) => {
    expect(summary(planSyncOutcome({ ready, products, nowMs: NOW, settings }))).toEqual({ ...EMPTY, ...want });
  });

  it('keeps the version read with every retry, so a record touched meanwhile is not overwritten', () => {
    const o = planSyncOutcome({ ready: [pending(7, { version: 'abc' })], products: [], nowMs: NOW, settings });
    expect(o.retry).toEqual([{ productId: 7, version: 'abc', attempts: 1, notBeforeMs: NOW + 5_000 }]);
  });

  it('with one attempt allowed, an absent product is given up at once', () => {
    const o = planSyncOutcome({ ready: [pending(1)], products: [], nowMs: NOW, settings: { ...settings, missingMaxAttempts: 1 } });
    expect(summary(o)).toEqual({ ...EMPTY, exhausted: [[1, 1]] });
  });
});
