import type { BigCommerceClient } from '../bigcommerce/client.ts';
import { MAX_PAGE_SIZE } from '../bigcommerce/catalog-paths.ts';
import { ProductListResponseSchema } from '../bigcommerce/product.ts';
import { AppError } from '../errors.ts';

/** `2024-05-01T10:00:00+00:00`: seconds precision, the form BigCommerce itself writes (floored, so nothing is skipped). */
export function bcDate(msSinceEpoch: number): string {
  return new Date(Math.floor(msSinceEpoch / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

/**
 * One page of products modified at or after `sinceMs` with an id above `afterId`: ids (and
 * date_modified, as `id` alone is not in the include_fields enum; it is always returned). Keyset
 * pagination (`id:greater` + `sort=id`) rather than `page=N`: products deleted while we page would
 * shift later pages and make page-based paging skip products.
 */
export function modifiedSincePath(sinceMs: number, afterId: number, limit = MAX_PAGE_SIZE): string {
  return `/v3/catalog/products?date_modified:min=${encodeURIComponent(bcDate(sinceMs))}&id:greater=${afterId}&sort=id&direction=asc&limit=${limit}&include_fields=date_modified`;
}

/** Ids of every product modified since `sinceMs` (`date_modified:min`), ascending. */
export async function modifiedProductIds(client: BigCommerceClient, sinceMs: number, opts: { pageSize?: number; maxPages?: number } = {}): Promise<number[]> {
  const pageSize = opts.pageSize ?? MAX_PAGE_SIZE;
  const maxPages = opts.maxPages ?? 10_000;
  const ids: number[] = [];
  let afterId = 0;
  for (let page = 0; page < maxPages; page++) {
    const res = await client.request<unknown>('GET', modifiedSincePath(sinceMs, afterId, pageSize));
    const parsed = ProductListResponseSchema.safeParse(res.body);
    if (!parsed.success) {
      throw new AppError('BC_INVALID_RESPONSE', 'BigCommerce product list has an unexpected shape', { retryable: true, details: { storeHash: client.storeHash } });
    }
    const pageIds = parsed.data.data.map((p) => p.id).filter((id) => id > afterId);
    ids.push(...pageIds);
    if (pageIds.length === 0 || parsed.data.data.length < pageSize) return ids;
    afterId = Math.max(...pageIds);
  }
  throw new AppError('WEBHOOK_BACKFILL_TOO_LARGE', `backfill listing did not end after ${maxPages} pages`, { retryable: true, details: { storeHash: client.storeHash } });
}
