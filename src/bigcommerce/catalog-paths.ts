import { AppError, ErrorCode } from '../errors.ts';

/**
 * Paths (after `/stores/{hash}`) of the catalog calls, built by plain string concatenation in
 * the form BigCommerce documents: filter keys keep their literal colon (`id:in`, `date_modified:min`)
 * and list values their literal commas (`id:in=1,2,3`, `include_fields=price,sale_price`), never `%3A`/`%2C`.
 * The URL length the id chunker (src/bigcommerce/chunk-ids.ts) measures is therefore exactly
 *   client.requestUrl(PRODUCTS_BY_IDS_PREFIX) + ids.join(',') + productsByIdsSuffix(ids.length, opts)
 * and a suffix built with count 250 is never shorter than the real one (the only variable part is
 * `limit=<count>`). Single values that could hold reserved characters (an ISO date's `+`, a sort
 * key) are percent-encoded; field and include names are encoded item by item, which leaves
 * snake_case names unchanged.
 */

export const MAX_PAGE_SIZE = 250;
export const PRODUCTS_BY_IDS_PREFIX = '/v3/catalog/products?id:in=';
export const CATEGORY_ASSIGNMENTS_PATH = '/v3/catalog/products/category-assignments';

export interface IncludeOptions {
  /** `include_fields`: only these fields (plus `id`, always returned; `id` and sub-resource names are dropped). */
  includeFields?: string[];
  /** `include`: sub-resources such as `custom_fields`, `variants`. */
  include?: string[];
}

/** A list of positive integer ids, or AppError BC_INVALID_ID: anything else would corrupt the query. */
export function assertIds(ids: readonly number[], what = 'id'): void {
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new AppError(ErrorCode.BC_INVALID_ID, 'BigCommerce id must be a positive integer', { details: { what, id } });
    }
  }
}

const csv = (values: readonly string[]): string => values.map((v) => encodeURIComponent(v)).join(',');

/**
 * Names the published `include_fields` enum does not hold (products_catalog.v3.yml,
 * IncludeFieldsParam): `id`, which is always returned, and the sub-resources, which come through
 * `include` (IncludeParamBase). They are dropped from `include_fields` rather than sent.
 */
export const NOT_INCLUDE_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'bulk_pricing_rules',
  'channels',
  'custom_fields',
  'images',
  'modifiers',
  'options',
  'parent_relations',
  'primary_image',
  'reviews',
  'variants',
  'videos',
]);

/** `&include_fields=a,b&include=c`, each part only when non-empty (see NOT_INCLUDE_FIELDS). */
export function includeQuery(opts: IncludeOptions = {}): string {
  let q = '';
  const fields = opts.includeFields?.filter((f) => !NOT_INCLUDE_FIELDS.has(f));
  if (fields?.length) q += `&include_fields=${csv(fields)}`;
  if (opts.include?.length) q += `&include=${csv(opts.include)}`;
  return q;
}

/** What follows the ids in a products-by-ids path. */
export function productsByIdsSuffix(count: number, opts: IncludeOptions = {}): string {
  return `&limit=${count}${includeQuery(opts)}`;
}

/** `/v3/catalog/products?id:in=1,2,3&limit=3[&include_fields=..][&include=..]`: one page holding every id. */
export function productsByIdsPath(ids: readonly number[], opts: IncludeOptions = {}): string {
  assertIds(ids);
  if (ids.length === 0 || ids.length > MAX_PAGE_SIZE) {
    throw new AppError(ErrorCode.BC_INVALID_ID, `products by ids takes 1..${MAX_PAGE_SIZE} ids per request (the caller chunks)`, { details: { count: ids.length } });
  }
  return `${PRODUCTS_BY_IDS_PREFIX}${ids.join(',')}${productsByIdsSuffix(ids.length, opts)}`;
}

export interface ListProductsOptions extends IncludeOptions {
  /** 1-based. */
  page: number;
  /** Default 250 (the maximum). */
  limit?: number;
  /** ISO-8601; products modified at or after this instant. */
  dateModifiedMin?: string;
  sort?: string;
  direction?: 'asc' | 'desc';
}

export function listProductsPath(opts: ListProductsOptions): string {
  const limit = opts.limit ?? MAX_PAGE_SIZE;
  if (!Number.isSafeInteger(opts.page) || opts.page < 1 || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new AppError(ErrorCode.BC_INVALID_PAGE, `page must be >= 1 and limit within 1..${MAX_PAGE_SIZE}`, { details: { page: opts.page, limit } });
  }
  let path = `/v3/catalog/products?page=${opts.page}&limit=${limit}${includeQuery(opts)}`;
  if (opts.dateModifiedMin !== undefined) path += `&date_modified:min=${encodeURIComponent(opts.dateModifiedMin)}`;
  if (opts.sort !== undefined) path += `&sort=${encodeURIComponent(opts.sort)}`;
  if (opts.direction !== undefined) path += `&direction=${opts.direction}`;
  return path;
}

/** `2024-05-01T10:00:00+00:00`: seconds precision, the form BigCommerce itself writes (floored, so nothing is skipped). */
export function bcDate(msSinceEpoch: number): string {
  return new Date(Math.floor(msSinceEpoch / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

export interface KeysetOptions extends IncludeOptions {
  /** Default 250 (the maximum). */
  limit?: number;
  /** Only products modified at or after this instant (ms; sent as `date_modified:min`, seconds precision). */
  modifiedSinceMs?: number;
}

/**
 * One keyset page of the listing: `id:greater=<afterId>&sort=id&direction=asc`, the next page
 * starting after the last id seen. `include_fields` defaults to `date_modified` (the cheapest listing:
 * `id` is always returned but is not in the published include_fields enum, so it cannot be asked for).
 */
export function keysetProductsPath(afterId: number, opts: KeysetOptions = {}): string {
  const limit = opts.limit ?? MAX_PAGE_SIZE;
  if (!Number.isSafeInteger(afterId) || afterId < 0 || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new AppError(ErrorCode.BC_INVALID_PAGE, `afterId must be >= 0 and limit within 1..${MAX_PAGE_SIZE}`, { details: { afterId, limit } });
  }
  const since = opts.modifiedSinceMs === undefined ? '' : `date_modified:min=${encodeURIComponent(bcDate(opts.modifiedSinceMs))}&`;
  const include = includeQuery({ includeFields: opts.includeFields?.length ? opts.includeFields : ['date_modified'], ...(opts.include ? { include: opts.include } : {}) });
  return `/v3/catalog/products?${since}id:greater=${afterId}&sort=id&direction=asc&limit=${limit}${include}`;
}

/** `/v3/catalog/products/{id}[?include_fields=..][&include=..]`: one product (explain reads it). */
export function productPath(id: number, opts: IncludeOptions = {}): string {
  assertIds([id]);
  const q = includeQuery(opts);
  return `/v3/catalog/products/${id}${q ? `?${q.slice(1)}` : ''}`;
}

/** `...category-assignments?category_id:in=<id>&product_id:in=<ids>`; chunk prefix = everything up to `product_id:in=`. */
export function unassignCategoriesPrefix(categoryId: number): string {
  assertIds([categoryId], 'category_id');
  return `${CATEGORY_ASSIGNMENTS_PATH}?category_id:in=${categoryId}&product_id:in=`;
}

export function unassignCategoriesPath(categoryId: number, productIds: readonly number[]): string {
  assertIds(productIds, 'product_id');
  return `${unassignCategoriesPrefix(categoryId)}${productIds.join(',')}`;
}
