import { z } from 'zod';
import type { BigCommerceClient } from '../bigcommerce/client.ts';
import { includeQuery, MAX_PAGE_SIZE, type IncludeOptions } from '../bigcommerce/catalog-paths.ts';
import { PaginationSchema, ProductListResponseSchema, type Product } from '../bigcommerce/product.ts';
import { AppError, ErrorCode } from '../errors.ts';

/**
 * The app's read-only catalog calls, all through the store's one paced client (its `request`), so
 * they share the store's rate limiter with the category sync and never spend the quota unseen.
 */
export type CatalogTransport = Pick<BigCommerceClient, 'request'>;

/**
 * `/v3/catalog/products?id:greater=<after>&sort=id&direction=asc&limit=<n>...`: keyset paging. Each
 * page starts after the last id of the one before, so products created or deleted during the walk
 * never shift a page (offset paging would skip or repeat products), and page N costs what page 1 does.
 * (`id:greater` is the documented filter, reference §4.1; an unknown filter name would be ignored
 * by BigCommerce and loop forever on the first page.)
 */
export function keysetProductsPath(afterId: number, limit: number, opts: IncludeOptions = {}): string {
  if (!Number.isSafeInteger(afterId) || afterId < 0 || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new AppError(ErrorCode.BC_INVALID_PAGE, `keyset page needs afterId >= 0 and limit within 1..${MAX_PAGE_SIZE}`, { details: { afterId, limit } });
  }
  return `/v3/catalog/products?id:greater=${afterId}&sort=id&direction=asc&limit=${limit}${includeQuery(opts)}`;
}

export interface CatalogPage {
  products: Product[];
  /** Products after this page (from `meta.pagination.total` of the filtered list). */
  remaining: number;
}

/**
 * Every product in id order, one page at a time (only the current page in memory). Stops after the
 * page whose filtered `total` fits in it, so a catalog of N products costs exactly ceil(N / limit)
 * reads (one for an empty catalog). Checks `signal` before every read: a cancelled walk throws
 * AppError APP_CANCELLED and sends nothing more.
 */
export async function* readCatalog(client: CatalogTransport, opts: IncludeOptions & { pageSize?: number; signal?: AbortSignal }): AsyncGenerator<CatalogPage> {
  const limit = opts.pageSize ?? MAX_PAGE_SIZE;
  let afterId = 0;
  for (;;) {
    if (opts.signal?.aborted) throw new AppError(ErrorCode.APP_CANCELLED, 'the catalog read was cancelled');
    const res = await client.request('GET', keysetProductsPath(afterId, limit, opts));
    const body = ProductListResponseSchema.parse(res.body);
    const products = body.data;
    const total = body.meta.pagination.total;
    const last = products.at(-1);
    yield { products, remaining: Math.max(0, total - products.length) };
    if (!last || total <= products.length || products.length < limit) return;
    if (last.id <= afterId) throw new AppError(ErrorCode.BC_INVALID_RESPONSE, 'products did not come back in ascending id order', { details: { afterId, lastId: last.id } });
    afterId = last.id;
  }
}

export interface CategoryNode {
  id: number;
  parentId: number;
  name: string;
  /** Names from the root down, e.g. ["Sale", "Clearance"]. */
  path: string[];
  isVisible: boolean;
}

const CategoryTreeResponseSchema = z.looseObject({
  data: z.array(z.looseObject({ category_id: z.number().int(), parent_id: z.number().int().default(0), name: z.string(), is_visible: z.boolean().default(true), tree_id: z.number().int().optional() })),
  meta: z.looseObject({ pagination: PaginationSchema }),
});

/** Most stores have far fewer; BigCommerce allows 16,000 per store (reference §4.6). */
const MAX_CATEGORY_PAGES = 64;

/**
 * Every category of the store (`GET /v3/catalog/trees/categories`, 250 per page), with its path of
 * names for a picker. Sorted by path. Categories of every tree are listed: product membership is by
 * category id whatever tree (channel) it belongs to.
 */
export async function listCategories(client: CatalogTransport): Promise<CategoryNode[]> {
  const raw: { id: number; parentId: number; name: string; isVisible: boolean }[] = [];
  for (let page = 1; page <= MAX_CATEGORY_PAGES; page++) {
    const res = await client.request('GET', `/v3/catalog/trees/categories?page=${page}&limit=${MAX_PAGE_SIZE}&include_fields=category_id,parent_id,name,is_visible,tree_id`);
    const body = CategoryTreeResponseSchema.parse(res.body);
    raw.push(...body.data.map((c) => ({ id: c.category_id, parentId: c.parent_id, name: c.name, isVisible: c.is_visible })));
    if (page >= body.meta.pagination.total_pages || body.data.length === 0) break;
  }
  const byId = new Map(raw.map((c) => [c.id, c]));
  const pathOf = (c: (typeof raw)[number]): string[] => {
    const names = [c.name];
    const seen = new Set([c.id]);
    let parent = byId.get(c.parentId);
    // A cycle in bad data must not hang the picker.
    while (parent && !seen.has(parent.id) && names.length < 16) {
      names.unshift(parent.name);
      seen.add(parent.id);
      parent = byId.get(parent.parentId);
    }
    return names;
  };
  return raw.map((c) => ({ ...c, path: pathOf(c) })).sort((a, b) => a.path.join('\u0000').localeCompare(b.path.join('\u0000')) || a.id - b.id);
}

/** Up to `limit` products whose name, SKU or keywords contain `query` (BigCommerce's `keyword` filter). */
export async function searchProducts(client: CatalogTransport, query: string, limit = 10): Promise<{ id: number; name: string | undefined; sku: string | undefined }[]> {
  const res = await client.request('GET', `/v3/catalog/products?keyword=${encodeURIComponent(query)}&limit=${limit}&include_fields=name,sku`);
  return ProductListResponseSchema.parse(res.body).data.map((p) => ({ id: p.id, name: p.name, sku: p.sku }));
}
