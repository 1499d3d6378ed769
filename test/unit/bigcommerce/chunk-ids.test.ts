import { describe, expect, it } from 'vitest';
import { buildIdInQuery, chunkIds, maxIdsPerRequest, type ChunkIdsOptions } from '../../../src/bigcommerce/chunk-ids.ts';
import { createBigCommerceClient } from '../../../src/bigcommerce/client.ts';
import { PRODUCTS_BY_IDS_PREFIX, productsByIdsPath, productsByIdsSuffix } from '../../../src/bigcommerce/catalog-paths.ts';
import { isAppError } from '../../../src/errors.ts';

const urlOf = (chunk: number[], o: ChunkIdsOptions) => `${o.urlPrefix}${chunk.join(',')}${o.urlSuffix ?? ''}`;
const prefixOf = (length: number) => `https://x/?${'p'.repeat(length - 'https://x/?id:in='.length)}id:in=`;

/** Deterministic PRNG (mulberry32) so "random" cases are reproducible. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every chunk fits, chunks concatenate to the deduplicated input, and packing is greedy. */
function expectValidPacking(ids: number[], chunks: number[][], o: ChunkIdsOptions) {
  const max = o.maxUrlLength ?? 2048;
  const maxIds = o.maxIds ?? 250;
  expect(chunks.flat()).toEqual([...new Set(ids)]);
  chunks.forEach((chunk, i) => {
    expect(chunk.length).toBeGreaterThan(0);
    expect(chunk.length).toBeLessThanOrEqual(maxIds);
    expect(urlOf(chunk, o).length).toBeLessThanOrEqual(max);
    const next = chunks[i + 1];
    if (next) {
      // Greedy: the next chunk's first id could not have joined this one.
      const grown = [...chunk, next[0]!];
      expect(grown.length > maxIds || urlOf(grown, o).length > max).toBe(true);
    }
  });
}

describe('buildIdInQuery', () => {
  it.each([
    ['id', [1, 2, 3], 'id:in=1,2,3'],
    ['product_id', [42], 'product_id:in=42'],
    ['id', [], 'id:in='],
  ])('%s %j -> %s (literal colon and commas, no encoding)', (key, ids, expected) => expect(buildIdInQuery(key, ids)).toBe(expected));
});

describe('chunkIds', () => {
  it.each([
    { name: 'exactly 2048 fits (one id)', prefix: 2044, suffix: '', ids: [1234], chunks: [[1234]] },
    { name: '2049 is too long (one id)', prefix: 2044, suffix: '', ids: [12345], error: 'FETCH_ID_TOO_LONG' },
    { name: 'exactly 2048 fits (two ids, comma counted)', prefix: 2039, suffix: '', ids: [1234, 5678], chunks: [[1234, 5678]] },
    { name: '2049 splits (two ids)', prefix: 2039, suffix: '', ids: [1234, 56789], chunks: [[1234], [56789]] },
    { name: 'suffix counted: fits exactly', prefix: 2029, suffix: '&limit=250', ids: [1234, 5678], chunks: [[1234, 5678]] },
    { name: 'suffix counted: one more char splits', prefix: 2030, suffix: '&limit=250', ids: [1234, 5678], chunks: [[1234], [5678]] },
    { name: 'suffix counted: single id too long', prefix: 2035, suffix: '&limit=250', ids: [1234], error: 'FETCH_ID_TOO_LONG' },
    { name: 'empty input', prefix: 50, suffix: '', ids: [], chunks: [] },
    { name: 'duplicates dropped, first occurrence order kept', prefix: 50, suffix: '', ids: [3, 1, 3, 2, 1], chunks: [[3, 1, 2]] },
    { name: 'a later id fails even after earlier ones fit', prefix: 2045, suffix: '', ids: [1, 22, 333, 4444], error: 'FETCH_ID_TOO_LONG' },
  ])('$name', ({ prefix, suffix, ids, chunks, error }) => {
    const o = { urlPrefix: prefixOf(prefix), urlSuffix: suffix };
    expect(o.urlPrefix.length).toBe(prefix);
    if (error) {
      expect(() => chunkIds(ids, o)).toThrow(expect.objectContaining({ code: error, retryable: false }));
    } else {
      const got = chunkIds(ids, o);
      expect(got).toEqual(chunks);
      expectValidPacking(ids, got, o);
    }
  });

  it('caps chunks at 250 ids by default and at maxIds when given', () => {
    const ids = Array.from({ length: 600 }, (_, i) => i + 1);
    const big = { urlPrefix: 'id:in=', maxUrlLength: 1_000_000 };
    expect(chunkIds(ids, big).map((c) => c.length)).toEqual([250, 250, 100]);
    expect(chunkIds(ids, { ...big, maxIds: 100 }).map((c) => c.length)).toEqual([100, 100, 100, 100, 100, 100]);
    expect(chunkIds(ids, { ...big, maxIds: 1 })).toHaveLength(600);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])('ids of %i digits pack to exactly maxIdsPerRequest per chunk', (digits) => {
    const o = { urlPrefix: prefixOf(120), urlSuffix: '&limit=250&include_fields=categories,id,price,sale_price' };
    const base = 10 ** (digits - 1);
    const count = Math.min(9 * base, 1000);
    const ids = Array.from({ length: count }, (_, i) => base + i);
    const chunks = chunkIds(ids, o);
    const perChunk = maxIdsPerRequest(o, digits);
    expect(perChunk).toBeGreaterThan(0);
    expect(chunks[0]!.length).toBe(Math.min(perChunk, count));
    expectValidPacking(ids, chunks, o);
  });

  it('packs ids of mixed lengths (1..10 digits) greedily and within the limit', () => {
    const random = rng(7);
    for (let round = 0; round < 50; round++) {
      const ids = Array.from({ length: 1 + Math.floor(random() * 1500) }, () => {
        const digits = 1 + Math.floor(random() * 10);
        return Math.max(1, Math.floor(random() * 10 ** digits));
      });
      const o = { urlPrefix: prefixOf(60 + Math.floor(random() * 200)), urlSuffix: '&limit=250', maxUrlLength: 200 + Math.floor(random() * 3000) };
      expectValidPacking(ids, chunkIds(ids, o), o);
    }
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects id %s with FETCH_ID_INVALID', (bad) => {
    expect(() => chunkIds([1, bad], { urlPrefix: 'id:in=' })).toThrow(expect.objectContaining({ code: 'FETCH_ID_INVALID' }));
  });

  it.each([{ maxIds: 0 }, { maxIds: 2.5 }, { maxUrlLength: 0 }, { maxUrlLength: Number.NaN }])('rejects options %j', (bad) => {
    expect(() => chunkIds([1], { urlPrefix: 'id:in=', ...bad })).toThrow(expect.objectContaining({ code: 'FETCH_CHUNK_OPTIONS_INVALID' }));
  });

  it('tells which id and which limit when an id cannot fit', () => {
    try {
      chunkIds([123456], { urlPrefix: prefixOf(2045) });
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'FETCH_ID_TOO_LONG')).toBe(true);
      expect((e as Error).message).toContain('123456');
      expect((e as Error).message).toContain('2048');
    }
  });

  it('agrees with the BigCommerce client on the exact URL it sends (contract)', () => {
    const client = createBigCommerceClient({ apiUrl: 'https://api.bigcommerce.com', storeHash: 'abcdefghij', accessToken: 't' });
    const fetchOpts = { includeFields: ['availability', 'categories', 'custom_fields', 'date_created', 'id', 'inventory_level', 'sale_price'], include: ['custom_fields'] };
    const o = { urlPrefix: client.requestUrl(PRODUCTS_BY_IDS_PREFIX), urlSuffix: productsByIdsSuffix(250, fetchOpts) };
    const random = rng(3);
    const ids = Array.from({ length: 3000 }, () => 1 + Math.floor(random() * 9_999_999));
    const chunks = chunkIds(ids, o);
    expectValidPacking(ids, chunks, o);
    for (const chunk of chunks) {
      const sent = client.requestUrl(productsByIdsPath(chunk, fetchOpts));
      expect(sent.length).toBeLessThanOrEqual(2048);
      expect(sent.startsWith(o.urlPrefix + chunk.join(','))).toBe(true);
    }
    // 7-digit ids leave room for far fewer than 250 per call: the seed's "smaller page size".
    expect(chunks[0]!.length).toBeLessThan(250);
    expect(chunks[0]!.length).toBeGreaterThan(200);
  });
});

describe('maxIdsPerRequest', () => {
  it.each([
    // room = max - prefix - suffix; n ids of d digits need n*(d+1)-1 characters
    { prefix: 2044, suffix: 0, digits: 4, expected: 1 },
    { prefix: 2044, suffix: 0, digits: 5, expected: 0 },
    { prefix: 2039, suffix: 0, digits: 4, expected: 2 },
    { prefix: 2038, suffix: 0, digits: 4, expected: 2 },
    { prefix: 2048 - 999, suffix: 0, digits: 1, expected: 250 },
    { prefix: 100, suffix: 20, digits: 7, expected: Math.floor((2048 - 120 + 1) / 8) },
    { prefix: 100, suffix: 20, digits: 10, expected: Math.floor((2048 - 120 + 1) / 11) },
  ])('prefix $prefix + suffix $suffix, $digits-digit ids -> $expected', ({ prefix, suffix, digits, expected }) => {
    expect(maxIdsPerRequest({ urlPrefix: prefixOf(prefix), urlSuffix: 's'.repeat(suffix) }, digits)).toBe(expected);
  });

  it('respects maxIds and maxUrlLength options', () => {
    expect(maxIdsPerRequest({ urlPrefix: 'id:in=', maxIds: 10 }, 1)).toBe(10);
    expect(maxIdsPerRequest({ urlPrefix: 'id:in=', maxUrlLength: 6 + 5 }, 2)).toBe(2);
  });

  it.each([0, -3, 1.5])('rejects sampleIdDigits %s', (d) => {
    expect(() => maxIdsPerRequest({ urlPrefix: 'id:in=' }, d)).toThrow(expect.objectContaining({ code: 'FETCH_CHUNK_OPTIONS_INVALID' }));
  });
});
