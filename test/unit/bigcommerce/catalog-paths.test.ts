import { describe, expect, it } from 'vitest';
import { isAppError, type ErrorCode } from '../../../src/errors.ts';
import {
  bcDate,
  keysetProductsPath,
  listProductsPath,
  PRODUCTS_BY_IDS_PREFIX,
  productsByIdsPath,
  productsByIdsSuffix,
  unassignCategoriesPath,
  unassignCategoriesPrefix,
} from '../../../src/bigcommerce/catalog-paths.ts';

describe('catalog paths (literal `:` and `,`, like BigCommerce docs)', () => {
  const cases: { name: string; path: () => string; expected: string }[] = [
    { name: 'ids only', path: () => productsByIdsPath([1, 2, 3]), expected: '/v3/catalog/products?id:in=1,2,3&limit=3' },
    {
      name: 'ids with include_fields and include',
      path: () => productsByIdsPath([10, 7], { includeFields: ['id', 'price', 'sale_price'], include: ['custom_fields', 'variants'] }),
      expected: '/v3/catalog/products?id:in=10,7&limit=2&include_fields=price,sale_price&include=custom_fields,variants',
    },
    {
      name: 'id and sub-resources are not in the published include_fields enum: dropped (include carries sub-resources)',
      path: () => productsByIdsPath([5], { includeFields: ['id', 'custom_fields', 'categories', 'variants'], include: ['custom_fields'] }),
      expected: '/v3/catalog/products?id:in=5&limit=1&include_fields=categories&include=custom_fields',
    },
    { name: 'only id asked for: no include_fields at all', path: () => productsByIdsPath([5], { includeFields: ['id'] }), expected: '/v3/catalog/products?id:in=5&limit=1' },
    { name: 'empty include lists are left out', path: () => productsByIdsPath([5], { includeFields: [], include: [] }), expected: '/v3/catalog/products?id:in=5&limit=1' },
    { name: 'odd field names are encoded item by item, commas stay', path: () => productsByIdsPath([5], { includeFields: ['a b', 'c&d'] }), expected: '/v3/catalog/products?id:in=5&limit=1&include_fields=a%20b,c%26d' },
    { name: 'list defaults to 250 per page', path: () => listProductsPath({ page: 2 }), expected: '/v3/catalog/products?page=2&limit=250' },
    {
      name: 'list with every option; the ISO date + is encoded',
      path: () => listProductsPath({ page: 1, limit: 50, includeFields: ['id', 'categories'], dateModifiedMin: '2024-01-02T03:04:05+00:00', sort: 'id', direction: 'asc' }),
      expected: '/v3/catalog/products?page=1&limit=50&include_fields=categories&date_modified:min=2024-01-02T03%3A04%3A05%2B00%3A00&sort=id&direction=asc',
    },
    { name: 'unassign', path: () => unassignCategoriesPath(7, [1, 22, 333]), expected: '/v3/catalog/products/category-assignments?category_id:in=7&product_id:in=1,22,333' },
  ];
  it.each(cases)('$name', ({ path, expected }) => {
    expect(path()).toBe(expected);
  });

  it('prefix + ids + suffix is exactly the path (what the chunker measures)', () => {
    const ids = [1, 22, 333, 4444];
    const opts = { includeFields: ['id', 'categories'] };
    expect(PRODUCTS_BY_IDS_PREFIX + ids.join(',') + productsByIdsSuffix(ids.length, opts)).toBe(productsByIdsPath(ids, opts));
    // The worst-case suffix (250) is never shorter than the real one.
    for (const n of [1, 9, 10, 99, 100, 250]) expect(productsByIdsSuffix(250, opts).length).toBeGreaterThanOrEqual(productsByIdsSuffix(n, opts).length);
    expect(unassignCategoriesPrefix(7) + '1,2').toBe(unassignCategoriesPath(7, [1, 2]));
  });

  const bad: { name: string; call: () => unknown; code: ErrorCode }[] = [
    { name: 'no ids', call: () => productsByIdsPath([]), code: 'BC_INVALID_ID' },
    { name: '251 ids', call: () => productsByIdsPath(Array.from({ length: 251 }, (_, i) => i + 1)), code: 'BC_INVALID_ID' },
    { name: 'zero id', call: () => productsByIdsPath([0]), code: 'BC_INVALID_ID' },
    { name: 'negative id', call: () => productsByIdsPath([-1]), code: 'BC_INVALID_ID' },
    { name: 'fractional id', call: () => productsByIdsPath([1.5]), code: 'BC_INVALID_ID' },
    { name: 'NaN id', call: () => productsByIdsPath([Number.NaN]), code: 'BC_INVALID_ID' },
    { name: 'bad category id', call: () => unassignCategoriesPath(0, [1]), code: 'BC_INVALID_ID' },
    { name: 'page 0', call: () => listProductsPath({ page: 0 }), code: 'BC_INVALID_PAGE' },
    { name: 'limit 251', call: () => listProductsPath({ page: 1, limit: 251 }), code: 'BC_INVALID_PAGE' },
  ];
  it.each(bad)('rejects $name', ({ call, code }) => {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(isAppError(err, code)).toBe(true);
  });

  it('accepts exactly 250 ids', () => {
    const ids = Array.from({ length: 250 }, (_, i) => i + 1);
    expect(productsByIdsPath(ids)).toContain('&limit=250');
  });
});

describe('keyset listing path (backfill, streamed full sync)', () => {
  it('dates are BigCommerce-style, floored to the second', () => {
    expect(bcDate(Date.UTC(2025, 0, 2, 3, 4, 5, 999))).toBe('2025-01-02T03:04:05+00:00');
  });
  it('pages by id with the literal filter names, ids only by default', () => {
    expect(keysetProductsPath(250, { modifiedSinceMs: Date.UTC(2025, 0, 2, 3, 4, 5) })).toBe(
      '/v3/catalog/products?date_modified:min=2025-01-02T03%3A04%3A05%2B00%3A00&id:greater=250&sort=id&direction=asc&limit=250&include_fields=date_modified',
    );
    expect(keysetProductsPath(0, { limit: 10, includeFields: ['id', 'categories'], include: ['custom_fields'] })).toBe(
      '/v3/catalog/products?id:greater=0&sort=id&direction=asc&limit=10&include_fields=categories&include=custom_fields',
    );
  });
  it.each([{ afterId: -1 }, { afterId: 1.5 }, { afterId: 0, limit: 0 }, { afterId: 0, limit: 251 }])('refuses %j', ({ afterId, limit }) => {
    expect(() => keysetProductsPath(afterId, limit === undefined ? {} : { limit })).toThrow(expect.objectContaining({ code: 'BC_INVALID_PAGE' }) as Error);
  });
});
