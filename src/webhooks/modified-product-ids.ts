import type { Catalog } from '../bigcommerce/catalog.ts';
import { MAX_PAGE_SIZE } from '../bigcommerce/catalog-paths.ts';
import { AppError, ErrorCode } from '../errors.ts';

/**
 * Ids of every product modified since `sinceMs` (`date_modified:min`, seconds precision), ascending,
 * through the catalog's keyset listing (products deleted while we page cannot make it skip any).
 * AppError WEBHOOK_BACKFILL_TOO_LARGE (retryable) when it has not ended after `maxPages` pages.
 */
export async function modifiedProductIds(catalog: Catalog, sinceMs: number, opts: { storeHash: string; pageSize?: number; maxPages?: number }): Promise<number[]> {
  const pageSize = opts.pageSize ?? MAX_PAGE_SIZE;
  const maxPages = opts.maxPages ?? 10_000;
  const ids: number[] = [];
  let afterId = 0;
  for (let page = 0; page < maxPages; page++) {
    const { products, lastId } = await catalog.productsAfter(afterId, { modifiedSinceMs: sinceMs, limit: pageSize });
    ids.push(...products.map((p) => p.id));
    if (lastId === undefined) return ids;
    afterId = lastId;
  }
  throw new AppError(ErrorCode.WEBHOOK_BACKFILL_TOO_LARGE, `backfill listing did not end after ${maxPages} pages`, { retryable: true, details: { storeHash: opts.storeHash } });
}
