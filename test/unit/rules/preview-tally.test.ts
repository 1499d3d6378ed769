import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPreviewTally } from '../../../src/rules/preview-tally.ts';
import { planCategoryChanges, type ProductState } from '../../../src/rules/plan-category-changes.ts';
import type { RuleSet } from '../../../src/rules/rule-set-schema.ts';

const NOW = Date.UTC(2025, 0, 1);
const rules: RuleSet = {
  rules: [
    { name: 'sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } },
    { name: 'cheap', categoryId: 50, when: { field: 'price', op: 'lt', value: 5 } },
    { name: 'featured', categoryId: 52, when: { field: 'is_featured', op: 'eq', value: true } },
  ],
};
const p = (id: number, fields: Partial<ProductState> & Record<string, unknown>): ProductState => ({ id, categories: [], name: `P${id}`, sku: `SKU-${id}`, price: 10, sale_price: 0, is_featured: false, ...fields });

describe('createPreviewTally', () => {
  it('counts adds per matching rule, removals per category, and products touched', () => {
    const t = createPreviewTally(rules, { nowMs: NOW, sampleSize: 1 });
    t.add([
      p(1, { sale_price: 3 }), // joins 50 by "sale"
      p(2, { sale_price: 3, price: 2 }), // joins 50 by both rules
      p(3, { categories: [50] }), // leaves 50
      p(4, { categories: [50, 7], is_featured: true }), // leaves 50, joins 52
      p(5, { categories: [52], is_featured: true }), // stays in 52: no change
      { id: 6, categories: 'x' as unknown as number[] }, // unreadable membership: skipped
    ]);
    const r = t.result();
    expect(r).toMatchObject({ productsRead: 6, productsTouched: 4, skipped: 1 });
    expect(r.rules.map((x) => [x.name, x.matches, x.add.count, x.remove.count])).toEqual([
      ['sale', 2, 2, 2],
      ['cheap', 1, 1, 2],
      ['featured', 2, 1, 0],
    ]);
    expect(r.rules[0]!.add.sample).toEqual([{ id: 1, name: 'P1', sku: 'SKU-1' }]);
    expect(r.rules[0]!.remove.sample).toEqual([{ id: 3, name: 'P3', sku: 'SKU-3' }]);
    expect(r.categories).toEqual([
      { categoryId: 50, add: 2, remove: 2, membersAfter: 2 },
      { categoryId: 52, add: 1, remove: 0, membersAfter: 2 },
    ]);
  });

  it('an empty rule set changes nothing', () => {
    const t = createPreviewTally({ rules: [] }, { nowMs: NOW, sampleSize: 5 });
    t.add([p(1, { categories: [50] })]);
    expect(t.result()).toEqual({ productsRead: 1, productsTouched: 0, skipped: 0, rules: [], categories: [] });
  });

  it('per-category counts equal what planCategoryChanges would write, fed in any page split (property)', () => {
    const product = fc.record({
      id: fc.integer({ min: 1, max: 400 }),
      categories: fc.subarray([7, 50, 52]),
      price: fc.integer({ min: 0, max: 12 }),
      sale_price: fc.constantFrom(0, 0, 4),
      is_featured: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.uniqueArray(product, { selector: (x) => x.id, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (products, pageSize) => {
        const t = createPreviewTally(rules, { nowMs: NOW, sampleSize: 3 });
        for (let i = 0; i < products.length; i += pageSize) t.add(products.slice(i, i + pageSize));
        const plan = planCategoryChanges(products, rules, NOW);
        const r = t.result();
        for (const c of r.categories) {
          expect(c.add).toBe(plan.assign.filter((a) => a.categoryId === c.categoryId).length);
          expect(c.remove).toBe(plan.unassign.find((u) => u.categoryId === c.categoryId)?.productIds.length ?? 0);
        }
        expect(r.productsTouched).toBe(plan.changedProductIds.length);
      }),
    );
  });
});
