import { describe, expect, it } from 'vitest';
import { chunkHistory, fullSyncPageHistory, NOT_FOUND_REASON } from '../../../src/category-sync/chunk-history.ts';
import type { PendingProduct } from '../../../src/events/pending-store.ts';
import type { Product } from '../../../src/bigcommerce/product.ts';
import type { CategoryPlan } from '../../../src/rules/plan-category-changes.ts';

const rec = (productId: number, over: Partial<PendingProduct> = {}): PendingProduct & { events: number } => ({
  productId,
  version: 'v',
  lastSeenAtMs: 20,
  waitingSinceMs: 10,
  deleteSeen: false,
  newestEventAtMs: undefined,
  newestChangeEventAtMs: undefined,
  staleRereads: 0,
  attempts: 0,
  notBeforeMs: undefined,
  scopes: ['store/product/updated'],
  lastScope: 'store/product/updated',
  events: 2,
  ...over,
});
const product = (id: number): Product => ({ id, categories: [], date_modified: `2026-01-0${id}T00:00:00+00:00` });
const plan = (over: Partial<CategoryPlan> = {}): CategoryPlan => ({ assign: [], unassign: [], changedProductIds: [], skippedProductIds: [], ...over });

describe('chunkHistory', () => {
  it('one entry per product of the chunk, with its outcome', () => {
    const out = chunkHistory({
      chunk: [rec(1), rec(2), rec(3), rec(4), rec(5), rec(6)],
      products: [product(1), product(5)],
      readRejected: new Map([[3, 'read: 422 bad']]),
      plan: plan({ assign: [{ productId: 1, categoryId: 50 }, { productId: 5, categoryId: 50 }], unassign: [{ categoryId: 60, productIds: [1, 5] }] }),
      unwritable: new Map([[5, 'write: 422 refused']]),
      retry: [{ productId: 2, version: 'v', attempts: 1, notBeforeMs: 99 }],
      exhausted: [rec(4)],
      atMs: 1_000,
    });
    const by = Object.fromEntries(out.map((x) => [x.productId, x.entry]));
    expect(out.map((x) => x.productId)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(by[1]).toEqual({
      atMs: 1_000,
      events: { count: 2, scopes: ['store/product/updated'], lastScope: 'store/product/updated', firstAtMs: 10, lastAtMs: 20 },
      read: { found: true, dateModified: '2026-01-01T00:00:00+00:00' },
      added: [50],
      removed: [60],
      outcome: 'completed',
    });
    expect(by[2]).toMatchObject({ outcome: 'retry', read: { found: false } });
    expect(by[3]).toMatchObject({ outcome: 'given-up', reason: 'read: 422 bad', read: undefined });
    expect(by[4]).toMatchObject({ outcome: 'given-up', reason: NOT_FOUND_REASON });
    // A refused write wrote nothing for that product.
    expect(by[5]).toMatchObject({ outcome: 'given-up', reason: 'write: 422 refused', added: [], removed: [] });
    // Not returned (e.g. deleted, delete seen) and not retried: completed, read not found.
    expect(by[6]).toMatchObject({ outcome: 'completed', read: { found: false } });
  });
});

describe('fullSyncPageHistory', () => {
  it('the pending records a page answered get an entry with their events, changed or not (a deleted one: not found)', () => {
    const out = fullSyncPageHistory({ products: [product(1), product(2)], plan: plan(), unwritable: new Map(), answered: [rec(2), rec(9, { deleteSeen: true })], atMs: 7 });
    expect(out.map((x) => [x.productId, x.entry.events?.count, x.entry.read?.found])).toEqual([
      [2, 2, true],
      [9, 2, false],
    ]);
  });

  it('only products whose categories were written or whose write was refused', () => {
    const out = fullSyncPageHistory({
      products: [product(1), product(2), product(3)],
      plan: plan({ assign: [{ productId: 1, categoryId: 50 }], unassign: [{ categoryId: 50, productIds: [3] }] }),
      unwritable: new Map([[3, 'write refused']]),
      atMs: 7,
    });
    expect(out).toEqual([
      { productId: 1, entry: { atMs: 7, events: undefined, read: { found: true, dateModified: '2026-01-01T00:00:00+00:00' }, added: [50], removed: [], outcome: 'completed' } },
      { productId: 3, entry: { atMs: 7, events: undefined, read: { found: true, dateModified: '2026-01-03T00:00:00+00:00' }, added: [], removed: [], outcome: 'write-refused', reason: 'write refused' } },
    ]);
  });
});
