import { evaluateCondition } from './evaluate-condition.ts';
import type { ProductState } from './plan-category-changes.ts';
import type { RuleSet } from './rule-set-schema.ts';

/** A product as the preview lists it. */
export interface PreviewProduct {
  id: number;
  name: string | undefined;
  sku: string | undefined;
}

export interface PreviewCount {
  count: number;
  /** The first `sampleSize` products in id order. */
  sample: PreviewProduct[];
}

export interface RulePreview {
  name: string;
  categoryId: number;
  /** Products the rule's condition matches (whether or not they are in the category already). */
  matches: number;
  /** Products this rule brings into its category (they match it and are not in the category now). */
  add: PreviewCount;
  /**
   * Products that would leave this rule's category: in it now, and no rule for the category matches.
   * Shared by all rules naming the same category.
   */
  remove: PreviewCount;
}

export interface CategoryPreview {
  categoryId: number;
  add: number;
  remove: number;
  /** Members after the change (among the products read). */
  membersAfter: number;
}

export interface PreviewTotals {
  productsRead: number;
  /** Products with at least one category change. */
  productsTouched: number;
  /** Products left alone because their `categories` was unreadable. */
  skipped: number;
  rules: RulePreview[];
  categories: CategoryPreview[];
}

const pick = (p: ProductState): PreviewProduct => ({ id: p.id, name: typeof p.name === 'string' ? p.name : undefined, sku: typeof p.sku === 'string' ? p.sku : undefined });

/**
 * What applying `ruleSet` would change, accumulated page by page so a preview of any catalog size
 * holds only counts and the first few products (bounded memory). Uses the same decision as the
 * category sync (a managed category holds a product iff any rule naming it matches), so its
 * per-category counts equal what `planCategoryChanges` on the same products would write.
 * Feed pages in ascending id order for the samples to be the lowest ids.
 */
export function createPreviewTally(ruleSet: RuleSet, opts: { nowMs: number; sampleSize: number }) {
  const rules: RulePreview[] = ruleSet.rules.map((r) => ({ name: r.name, categoryId: r.categoryId, matches: 0, add: { count: 0, sample: [] }, remove: { count: 0, sample: [] } }));
  const categories = new Map<number, CategoryPreview>();
  for (const r of ruleSet.rules) categories.set(r.categoryId, { categoryId: r.categoryId, add: 0, remove: 0, membersAfter: 0 });
  const totals = { productsRead: 0, productsTouched: 0, skipped: 0 };
  const note = (c: PreviewCount, p: ProductState) => {
    c.count++;
    if (c.sample.length < opts.sampleSize) c.sample.push(pick(p));
  };

  return {
    add(products: readonly ProductState[]): void {
      for (const p of products) {
        totals.productsRead++;
        if (!Array.isArray(p.categories)) {
          totals.skipped++;
          continue;
        }
        const current = new Set(p.categories.map(Number));
        const verdicts = ruleSet.rules.map((r) => evaluateCondition(r.when, p, opts.nowMs));
        let touched = false;
        for (const cat of categories.values()) {
          const desired = ruleSet.rules.some((r, i) => r.categoryId === cat.categoryId && verdicts[i]);
          const member = current.has(cat.categoryId);
          if (desired) cat.membersAfter++;
          if (desired && !member) {
            cat.add++;
            touched = true;
            rules.forEach((r, i) => {
              if (r.categoryId === cat.categoryId && verdicts[i]) note(r.add, p);
            });
          } else if (!desired && member) {
            cat.remove++;
            touched = true;
            rules.forEach((r) => {
              if (r.categoryId === cat.categoryId) note(r.remove, p);
            });
          }
        }
        verdicts.forEach((v, i) => {
          if (v) rules[i]!.matches++;
        });
        if (touched) totals.productsTouched++;
      }
    },
    result(): PreviewTotals {
      return { ...totals, rules, categories: [...categories.values()].sort((a, b) => a.categoryId - b.categoryId) };
    },
  };
}
