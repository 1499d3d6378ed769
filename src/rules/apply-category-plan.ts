import { AppError, ErrorCode } from '../errors.ts';
import { isBatchTooLarge } from '../bigcommerce/batch-too-large.ts';
import type { CategoryPlan } from './plan-category-changes.ts';

/**
 * The category-assignment calls the plan needs (reference §4.5); the BigCommerce resource
 * (bigcommerce/category-assignments.ts) implements them, and alone knows URLs and their limits.
 */
export interface CategoryWriter {
  /** One PUT with these pairs. */
  assign(pairs: { product_id: number; category_id: number }[]): Promise<void>;
  /** One DELETE removing `productIds` (one of `unassignBatches`' batches) from `categoryId`. */
  unassign(categoryId: number, productIds: number[]): Promise<void>;
  /** How one category's removals split into DELETEs (the URL limit); throws when they cannot, before anything is sent. */
  unassignBatches(categoryId: number, productIds: readonly number[]): number[][];
}

export interface ApplyCategoryPlanOptions {
  /**
   * Pairs per PUT (BC_CATEGORY_ASSIGN_BATCH_SIZE). BigCommerce documents no maximum [U]; default
   * {@link DEFAULT_ASSIGN_BATCH_SIZE}. A PUT refused for its size is halved and retried.
   */
  assignBatchSize?: number;
}

export interface ApplyCategoryPlanResult {
  assignRequests: number;
  unassignRequests: number;
  /** Pairs sent in successful PUTs. */
  assigned: number;
  /** Memberships sent in successful DELETEs. */
  unassigned: number;
  /** PUTs refused for their size (413 / size-related 422) and re-sent halved. */
  assignBatchesHalved?: number;
  /** The batch size the last PUT succeeded with, when halving lowered it (remember it for the next call). */
  assignBatchSizeUsed?: number;
}

/**
 * Conservative: the documented limits of BigCommerce's other catalog batch writes are 10 (products)
 * and 50 (variants, category trees); nothing is documented for category assignments [U]. 50 keeps
 * a whole-catalog sweep cheap (5,000 pairs = 100 PUTs) and halving covers a lower real limit.
 */
export const DEFAULT_ASSIGN_BATCH_SIZE = 50;

/**
 * Sends a plan to BigCommerce: all assignments first (PUT, `assignBatchSize` pairs per request),
 * then removals (one DELETE per category per batch the writer says fits one request). Adding
 * before removing means a product moving between managed categories is never briefly in neither. Requests go one at a time: BigCommerce warns against parallel
 * assignment requests touching the same products, and the rate limiter paces them anyway.
 *
 * A PUT refused for its size (413, or a 422 about size: isBatchTooLarge) is split in half and
 * re-sent, down to single pairs, so an undocumented lower limit costs a few extra requests instead
 * of failing every flush; a single pair refused for size, like any other failure, propagates.
 * A failing request's error propagates unchanged (its code and `retryable` come from the client)
 * and later requests are not sent. That is safe: the next sync re-reads the products and plans
 * only what is still missing, since every write here is idempotent in effect.
 *
 * @throws AppError RULES_APPLY_OPTIONS_INVALID for a bad batch size; whatever `unassignBatches`
 *   throws (FETCH_ID_TOO_LONG when the URL limit leaves no room for a single id): nothing is sent then.
 */
export async function applyCategoryPlan(plan: CategoryPlan, writer: CategoryWriter, opts: ApplyCategoryPlanOptions = {}): Promise<ApplyCategoryPlanResult> {
  const batchSize = opts.assignBatchSize ?? DEFAULT_ASSIGN_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new AppError(ErrorCode.RULES_APPLY_OPTIONS_INVALID, `assignBatchSize must be a positive integer, got ${String(batchSize)}`);
  }
  // Split every category before sending anything, so an impossible URL fails before any write.
  const deletes = plan.unassign.flatMap(({ categoryId, productIds }) =>
    productIds.length === 0 ? [] : writer.unassignBatches(categoryId, productIds).map((batch) => ({ categoryId, productIds: batch })),
  );

  const result: ApplyCategoryPlanResult = { assignRequests: 0, unassignRequests: 0, assigned: 0, unassigned: 0 };
  const pairs = plan.assign.map((a) => ({ product_id: a.productId, category_id: a.categoryId }));
  let size = batchSize;
  for (let i = 0; i < pairs.length; ) {
    const batch = pairs.slice(i, i + size);
    try {
      await writer.assign(batch);
    } catch (err) {
      if (batch.length > 1 && isBatchTooLarge(err)) {
        size = Math.ceil(batch.length / 2);
        result.assignBatchesHalved = (result.assignBatchesHalved ?? 0) + 1;
        continue;
      }
      throw err;
    }
    result.assignRequests++;
    result.assigned += batch.length;
    i += batch.length;
  }
  if (size !== batchSize) result.assignBatchSizeUsed = size;
  for (const d of deletes) {
    await writer.unassign(d.categoryId, d.productIds);
    result.unassignRequests++;
    result.unassigned += d.productIds.length;
  }
  return result;
}
