import { AppError, ErrorCode } from '../errors.ts';

/** BigCommerce's largest page for `GET /v3/catalog/products`. */
export const FULL_SYNC_PAGE_SIZE = 250;

export type FetchPlan =
  | { mode: 'batched'; chunks: number[][]; calls: number }
  | { mode: 'full'; pages: number; calls: number };

export interface PlanFetchInput {
  /** Products with pending changes (duplicates allowed: the chunker drops them). */
  pendingIds: readonly number[];
  /** `meta.pagination.total` of the catalog if known (one cheap count call); undefined = unknown. */
  catalogTotal: number | undefined;
  /** The id:in chunker bound to the real request URL (see chunkIds). */
  idsPerRequest: (ids: readonly number[]) => number[][];
  /** Page size of a full sync; default 250. */
  pageSize?: number;
}

/**
 * How to read the products a category sync needs, choosing between the two techniques from the seed
 * guide ("The practitioner's guide to BigCommerce webhooks", Batch processing):
 *
 * 1. Delay and batch: fetch only the changed products with `id:in=…`. The URL limit (~2048
 *    characters) keeps chunks below the 250-per-page maximum, so a large batch costs many calls.
 * 2. Full catalog sync: when a bulk change touched a large part of the catalog, paging through
 *    every product at 250 per page is cheaper.
 *
 * Full is chosen only when it needs STRICTLY fewer calls than batched (on a tie the batched read
 * wins: it returns only the products that changed and does not depend on the count being fresh).
 * An unknown or nonsensical total means batched. A full sync always costs at least one call, even
 * for an empty catalog, because the first page is what proves it empty. `pages` is an estimate
 * from the count: the caller must keep paging until `meta.pagination` says it is done, since the
 * catalog may grow during the sync.
 *
 * @throws whatever `idsPerRequest` throws (e.g. FETCH_ID_TOO_LONG); FETCH_PLAN_INVALID for a bad page size.
 */
export function planFetch(input: PlanFetchInput): FetchPlan {
  const chunks = input.idsPerRequest(input.pendingIds);
  const full = fullSyncPagesIfCheaper({ batchedCalls: chunks.length, catalogTotal: input.catalogTotal, pageSize: input.pageSize });
  return full === undefined ? { mode: 'batched', chunks, calls: chunks.length } : { mode: 'full', pages: full, calls: full };
}

/**
 * The same decision from counts alone, for a pending set read page by page (the bounded sync never
 * holds all its ids): `readyCount` products at `idsPerRequest` per id:in request against the pages of
 * a full sync. Returns the full sync's page count when it is strictly cheaper, else undefined.
 */
export function fullSyncPagesIfCheaper(input: { batchedCalls: number; catalogTotal: number | undefined; pageSize?: number | undefined }): number | undefined {
  const pageSize = input.pageSize ?? FULL_SYNC_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new AppError(ErrorCode.FETCH_PLAN_INVALID, `pageSize must be a positive integer, got ${String(pageSize)}`);
  }
  const total = input.catalogTotal;
  if (total === undefined || !Number.isSafeInteger(total) || total < 0) return undefined;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return pages < input.batchedCalls ? pages : undefined;
}
