import { describe, expect, it } from 'vitest';
import { fullSyncPagesIfCheaper, planFetch } from '../../../src/category-sync/plan-fetch.ts';
import { chunkIds, maxIdsPerRequest } from '../../../src/bigcommerce/chunk-ids.ts';
import { AppError } from '../../../src/errors.ts';

/** A chunker stand-in with a fixed chunk size, so call counts are easy to read in the table. */
const fixedChunks = (size: number) => (ids: readonly number[]) => {
  const unique = [...new Set(ids)];
  const out: number[][] = [];
  for (let i = 0; i < unique.length; i += size) out.push(unique.slice(i, i + size));
  return out;
};
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

describe('planFetch', () => {
  it.each([
    { name: 'no pending ids: nothing to fetch', pending: 0, perChunk: 200, total: 100_000, mode: 'batched', calls: 0 },
    { name: 'unknown total: always batched', pending: 5000, perChunk: 200, total: undefined, mode: 'batched', calls: 25 },
    { name: 'few changes in a big catalog: batched', pending: 300, perChunk: 200, total: 100_000, mode: 'batched', calls: 2 },
    { name: 'bulk change in a small catalog: full', pending: 2000, perChunk: 200, total: 1000, mode: 'full', calls: 4 },
    { name: 'tie (4 pages vs 4 chunks): batched', pending: 800, perChunk: 200, total: 1000, mode: 'batched', calls: 4 },
    { name: 'one call fewer: full', pending: 801, perChunk: 200, total: 1000, mode: 'full', calls: 4 },
    { name: 'page boundary: 1000 products = 4 pages', pending: 1000, perChunk: 200, total: 1000, mode: 'full', calls: 4 },
    { name: 'page boundary: 1001 products = 5 pages (tie)', pending: 1000, perChunk: 200, total: 1001, mode: 'batched', calls: 5 },
    { name: 'empty catalog still costs one page: tie with one chunk', pending: 10, perChunk: 200, total: 0, mode: 'batched', calls: 1 },
    { name: 'empty catalog, two chunks: full (one page)', pending: 10, perChunk: 5, total: 0, mode: 'full', calls: 1 },
    { name: 'negative total treated as unknown', pending: 5000, perChunk: 200, total: -1, mode: 'batched', calls: 25 },
    { name: 'fractional total treated as unknown', pending: 5000, perChunk: 200, total: 10.5, mode: 'batched', calls: 25 },
    { name: 'NaN total treated as unknown', pending: 5000, perChunk: 200, total: Number.NaN, mode: 'batched', calls: 25 },
    { name: 'duplicates do not inflate the count', pending: 0, dupes: 600, perChunk: 200, total: 1000, mode: 'batched', calls: 3 },
  ])('$name', ({ pending, dupes, perChunk, total, mode, calls }) => {
    const ids = [...range(pending), ...range(dupes ?? 0), ...range(dupes ?? 0)];
    const plan = planFetch({ pendingIds: ids, catalogTotal: total, idsPerRequest: fixedChunks(perChunk) });
    expect(plan.mode).toBe(mode);
    expect(plan.calls).toBe(calls);
    if (plan.mode === 'full') expect(plan.pages).toBe(calls);
    else {
      expect(plan.chunks).toHaveLength(calls);
      expect(plan.chunks.flat()).toEqual([...new Set(ids)]);
    }
  });

  it('honours a custom page size', () => {
    const plan = planFetch({ pendingIds: range(1000), catalogTotal: 1000, idsPerRequest: fixedChunks(200), pageSize: 100 });
    expect(plan).toEqual(expect.objectContaining({ mode: 'batched', calls: 5 }));
    expect(planFetch({ pendingIds: range(1000), catalogTotal: 1000, idsPerRequest: fixedChunks(200), pageSize: 500 })).toEqual({ mode: 'full', pages: 2, calls: 2 });
  });

  it.each([0, -250, 2.5])('rejects page size %s', (pageSize) => {
    expect(() => planFetch({ pendingIds: [1], catalogTotal: 10, idsPerRequest: fixedChunks(1), pageSize })).toThrow(expect.objectContaining({ code: 'FETCH_PLAN_INVALID' }));
  });

  it("propagates the chunker's error", () => {
    const idsPerRequest = () => {
      throw new AppError('FETCH_ID_TOO_LONG', 'no room');
    };
    expect(() => planFetch({ pendingIds: [1], catalogTotal: 10, idsPerRequest })).toThrow(expect.objectContaining({ code: 'FETCH_ID_TOO_LONG' }));
  });

  it('with the real chunker: 7-digit ids, 6,000 pending vs catalogs of 3,000 and 20,000', () => {
    const urlPrefix = 'https://api.bigcommerce.com/stores/abcdefghij/v3/catalog/products?id:in=';
    const idsPerRequest = (ids: readonly number[]) => chunkIds(ids, { urlPrefix, urlSuffix: '&limit=250&include_fields=categories,id,sale_price' });
    const pending = range(6000, 1_000_000);
    const chunks = idsPerRequest(pending).length;
    // 240 seven-digit ids fit under 2048 characters with this prefix and suffix, so 6,000 ids take 25 calls.
    expect(maxIdsPerRequest({ urlPrefix, urlSuffix: '&limit=250&include_fields=categories,id,sale_price' }, 7)).toBe(240);
    expect(chunks).toBe(25);
    expect(planFetch({ pendingIds: pending, catalogTotal: 3000, idsPerRequest })).toEqual({ mode: 'full', pages: 12, calls: 12 });
    expect(planFetch({ pendingIds: pending, catalogTotal: 20_000, idsPerRequest })).toEqual(expect.objectContaining({ mode: 'batched', calls: 25 }));
  });
});

describe('fullSyncPagesIfCheaper (the bounded sync decides from counts)', () => {
  it.each([
    { name: 'few reads in a big catalog: by id', batchedCalls: 2, total: 100_000, pages: undefined },
    { name: 'bulk change in a small catalog: full', batchedCalls: 10, total: 1000, pages: 4 },
    { name: 'tie: by id', batchedCalls: 4, total: 1000, pages: undefined },
    { name: 'unknown total: by id', batchedCalls: 1000, total: undefined, pages: undefined },
    { name: 'nonsense total: by id', batchedCalls: 1000, total: -5, pages: undefined },
    { name: 'empty catalog still costs one page', batchedCalls: 2, total: 0, pages: 1 },
  ])('$name', ({ batchedCalls, total, pages }) => {
    expect(fullSyncPagesIfCheaper({ batchedCalls, catalogTotal: total })).toBe(pages);
  });

  it('agrees with planFetch on the same inputs', () => {
    for (const [pending, total] of [
      [801, 1000],
      [800, 1000],
      [5000, 20_000],
      [6000, 3000],
    ] as const) {
      const plan = planFetch({ pendingIds: range(pending), catalogTotal: total, idsPerRequest: fixedChunks(200) });
      const pages = fullSyncPagesIfCheaper({ batchedCalls: Math.ceil(pending / 200), catalogTotal: total });
      expect(plan.mode === 'full' ? plan.pages : undefined).toBe(pages);
    }
  });
});
