import { evaluateCondition } from './evaluate-condition.ts';
import type { Condition, RuleSet } from './rule-set-schema.ts';

/** A product as BigCommerce returns it now: `categories` is its current membership. */
export type ProductState = { id: number; categories: number[]; [field: string]: unknown };

export type CategoryAssignment = { productId: number; categoryId: number };
export type CategoryUnassignment = { categoryId: number; productIds: number[] };

export interface CategoryPlan {
  /** Memberships to add, sorted by productId then categoryId. */
  assign: CategoryAssignment[];
  /** Memberships to remove, one entry per category (sorted), productIds sorted. */
  unassign: CategoryUnassignment[];
  /** Products with at least one change, sorted. */
  changedProductIds: number[];
  /** Products left alone because their `categories` was missing or not an array (membership unknown). */
  skippedProductIds: number[];
}

/** The categories some rule names: the only ones the rules ever add to or remove from. Sorted. */
export function managedCategoryIds(ruleSet: RuleSet): number[] {
  return [...new Set(ruleSet.rules.map((r) => r.categoryId))].sort((a, b) => a - b);
}

export const isEmptyPlan = (plan: CategoryPlan): boolean => plan.assign.length === 0 && plan.unassign.length === 0;

/**
 * The category writes that bring `products` in line with the rules, and nothing else.
 *
 * For each managed category a product should belong iff ANY rule naming that category matches;
 * a change is emitted only where that differs from its current `categories`. Categories no rule
 * names are never touched, whatever the product is in. Products are the truth as fetched now, so
 * the plan is safe to compute again after a redelivered or reordered event.
 *
 * Fixed point: planning again on the products as they are after applying this plan yields an
 * empty plan (rules may not read managed categories, see rule-set-schema.ts). That is what stops
 * the loop where our own writes fire `store/product/updated` and bring the products back here.
 *
 * Deterministic: output is sorted regardless of input order. When a product id appears more than
 * once, the last entry wins (e.g. a full sync whose pages shifted). Entries whose id is not a
 * positive integer are ignored.
 */
export function planCategoryChanges(products: readonly ProductState[], ruleSet: RuleSet, nowMs: number): CategoryPlan {
  const rulesByCategory = new Map<number, Condition[]>();
  for (const rule of ruleSet.rules) {
    const list = rulesByCategory.get(rule.categoryId);
    if (list) list.push(rule.when);
    else rulesByCategory.set(rule.categoryId, [rule.when]);
  }
  const managed = [...rulesByCategory.keys()].sort((a, b) => a - b);

  const byId = new Map<number, ProductState>();
  for (const p of products) if (Number.isSafeInteger(p.id) && p.id > 0) byId.set(p.id, p);

  const assign: CategoryAssignment[] = [];
  const unassignByCategory = new Map<number, number[]>();
  const changed: number[] = [];
  const skipped: number[] = [];
  for (const id of [...byId.keys()].sort((a, b) => a - b)) {
    const product = byId.get(id)!;
    const raw: unknown = product.categories;
    if (!Array.isArray(raw)) {
      skipped.push(id);
      continue;
    }
    // BigCommerce sends ints; tolerate numeric strings rather than "remove" a membership we misread.
    const current = new Set(raw.map(Number));
    let productChanged = false;
    for (const categoryId of managed) {
      const desired = rulesByCategory.get(categoryId)!.some((cond) => evaluateCondition(cond, product, nowMs));
      const member = current.has(categoryId);
      if (desired && !member) {
        assign.push({ productId: id, categoryId });
        productChanged = true;
      } else if (!desired && member) {
        const list = unassignByCategory.get(categoryId);
        if (list) list.push(id);
        else unassignByCategory.set(categoryId, [id]);
        productChanged = true;
      }
    }
    if (productChanged) changed.push(id);
  }
  const unassign = [...unassignByCategory.entries()].sort(([a], [b]) => a - b).map(([categoryId, productIds]) => ({ categoryId, productIds }));
  return { assign, unassign, changedProductIds: changed, skippedProductIds: skipped };
}
