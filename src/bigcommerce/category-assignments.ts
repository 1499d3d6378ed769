import type { BigCommerceClient } from './client.ts';
import { assertIds, CATEGORY_ASSIGNMENTS_PATH, unassignCategoriesPath, unassignCategoriesPrefix } from './catalog-paths.ts';
import { chunkIds, DEFAULT_MAX_URL_LENGTH } from './chunk-ids.ts';

export interface CategoryAssignmentPair {
  product_id: number;
  category_id: number;
}

export interface CategoryAssignments {
  /** `PUT /v3/catalog/products/category-assignments` (creates; idempotent). One request; none for no pairs. */
  assign(pairs: readonly CategoryAssignmentPair[]): Promise<void>;
  /**
   * `DELETE ...?category_id:in=X&product_id:in=...`: one request. None for no product ids: without
   * the product filter the call would empty the whole category. The ids must fit one URL
   * (`unassignBatches`).
   */
  unassign(categoryId: number, productIds: readonly number[]): Promise<void>;
  /**
   * The product ids of one category split so each DELETE URL, this client's base included, stays
   * within `maxUrlLength` (and at most 250 ids, like BigCommerce's documented cap for id:in deletes).
   * Pure: throws AppError FETCH_ID_TOO_LONG when not even one id fits, before anything is sent.
   */
  unassignBatches(categoryId: number, productIds: readonly number[]): number[][];
}

/** Category assignments (reference §4.5) over one store's transport. */
export function createCategoryAssignments(client: BigCommerceClient, opts: { maxUrlLength?: number } = {}): CategoryAssignments {
  const maxUrlLength = opts.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
  return {
    async assign(pairs) {
      if (pairs.length === 0) return;
      assertIds(
        pairs.map((p) => p.product_id),
        'product_id',
      );
      assertIds(
        pairs.map((p) => p.category_id),
        'category_id',
      );
      await client.request<unknown>(
        'PUT',
        CATEGORY_ASSIGNMENTS_PATH,
        pairs.map((p) => ({ product_id: p.product_id, category_id: p.category_id })),
      );
    },

    async unassign(categoryId, productIds) {
      if (productIds.length === 0) return;
      await client.request<unknown>('DELETE', unassignCategoriesPath(categoryId, productIds));
    },

    unassignBatches(categoryId, productIds) {
      if (productIds.length === 0) return [];
      return chunkIds(productIds, { urlPrefix: client.requestUrl(unassignCategoriesPrefix(categoryId)), maxUrlLength });
    },
  };
}
