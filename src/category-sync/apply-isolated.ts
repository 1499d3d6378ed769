import type { BigCommerceClient } from '../bigcommerce/client.ts';
import { createCategoryAssignments } from '../bigcommerce/category-assignments.ts';
import { applyCategoryPlan, type ApplyCategoryPlanResult, type CategoryWriter } from '../rules/apply-category-plan.ts';
import type { CategoryPlan } from '../rules/plan-category-changes.ts';
import { isBatchTooLarge } from '../bigcommerce/batch-too-large.ts';
import { isItemRejection, rejectionReason, sendIsolating } from './isolate-rejections.ts';

/**
 * Writes a category plan; a write BigCommerce rejects for good (4xx retrying cannot fix) is narrowed
 * down to the products that cause it (sendIsolating), which are returned with their reason instead
 * of failing the whole sync. Everything else behaves as applyCategoryPlan (errors that are not an
 * item's fault propagate).
 */
export async function applyCategoryPlanIsolated(
  plan: CategoryPlan,
  client: BigCommerceClient,
  opts: { maxUrlLength: number; assignBatchSize?: number },
): Promise<{ writes: ApplyCategoryPlanResult; rejected: Map<number, string> }> {
  const assignments = createCategoryAssignments(client, { maxUrlLength: opts.maxUrlLength });
  // A batch refused for its size is applyCategoryPlan's to halve; only other refusals are an item's fault.
  const isRejection = (err: unknown) => isItemRejection(err) && !isBatchTooLarge(err);
  const rejected = new Map<number, string>();
  const writer: CategoryWriter = {
    async assign(pairs) {
      const r = await sendIsolating(
        pairs,
        async (batch) => {
          await assignments.assign(batch);
          return [];
        },
        isRejection,
      );
      for (const x of r.rejected) rejected.set(x.item.product_id, rejectionReason('write', x.error));
    },
    async unassign(categoryId, productIds) {
      const r = await sendIsolating(
        productIds,
        async (batch) => {
          await assignments.unassign(categoryId, batch);
          return [];
        },
        isRejection,
      );
      for (const x of r.rejected) rejected.set(x.item, rejectionReason('write', x.error));
    },
    unassignBatches: (categoryId, productIds) => assignments.unassignBatches(categoryId, productIds),
  };
  const writes = await applyCategoryPlan(plan, writer, opts.assignBatchSize ? { assignBatchSize: opts.assignBatchSize } : {});
  return { writes, rejected };
}
