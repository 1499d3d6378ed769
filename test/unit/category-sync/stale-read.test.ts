import { describe, expect, it } from 'vitest';
import { isStaleRead } from '../../../src/category-sync/stale-read.ts';
import { movesDateModified } from '../../../src/bigcommerce/date-modified-scopes.ts';

describe('isStaleRead', () => {
  it.each([
    { name: 'read older than the change event beyond the tolerance', change: 100_000, reread: 0, modified: 80_000, stale: true },
    { name: 'within the tolerance (follow-up events stamped later)', change: 100_000, reread: 0, modified: 95_000, stale: false },
    { name: 'read newer than the change', change: 100_000, reread: 0, modified: 120_000, stale: false },
    { name: 'already re-read once: the read is taken', change: 100_000, reread: 1, modified: 10_000, stale: false },
    { name: 'only inventory/SKU events (no date_modified-moving event)', change: undefined, reread: 0, modified: 10_000, stale: false },
    { name: 'the read has no date_modified', change: 100_000, reread: 0, modified: undefined, stale: false },
  ])('$name', ({ change, reread, modified, stale }) => {
    expect(isStaleRead({ newestChangeEventAtMs: change, staleRereads: reread }, modified, 10_000)).toBe(stale);
  });
});

describe('movesDateModified', () => {
  it.each([
    ['store/product/updated', true],
    ['store/product/created', true],
    ['store/product/inventory/updated', false],
    ['store/product/inventory/order/updated', false],
    ['store/sku/updated', false],
    ['store/sku/inventory/updated', false],
    ['store/modifier/updated', false],
    ['store/product/metafield/updated', false],
    ['store/product/deleted', false],
  ])('%s -> %s', (scope, moves) => {
    expect(movesDateModified(scope)).toBe(moves);
  });
});
