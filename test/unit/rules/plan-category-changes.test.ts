import { describe, expect, it } from 'vitest';
import { isEmptyPlan, managedCategoryIds, planCategoryChanges, type CategoryPlan, type ProductState } from '../../../src/rules/plan-category-changes.ts';
import { parseRuleSet, type RuleSet } from '../../../src/rules/rule-set-schema.ts';

const NOW = Date.UTC(2024, 5, 15);
const DAY = 86_400_000;

const RULES = parseRuleSet(
  {
    rules: [
      { name: 'on-sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } },
      { name: 'low-stock', categoryId: 51, when: { all: [{ field: 'inventory_tracking', op: 'neq', value: 'none' }, { field: 'inventory_level', op: 'lte', value: 5 }] } },
      // Two rules for one category: a product belongs if ANY matches.
      { name: 'deals-featured', categoryId: 52, when: { field: 'is_featured', op: 'eq', value: true } },
      { name: 'deals-cheap', categoryId: 52, when: { field: 'price', op: 'lt', value: 10 } },
      { name: 'new-arrivals', categoryId: 53, when: { field: 'date_created', op: 'within_days', value: 30 } },
      { name: 'acme', categoryId: 54, when: { field: 'custom_fields.Brand', op: 'eq', value: 'Acme' } },
      // Reads an unmanaged category (23): allowed, and stable.
      { name: 'shoes-on-sale', categoryId: 55, when: { all: [{ field: 'categories', op: 'contains', value: 23 }, { field: 'sale_price', op: 'gt', value: 0 }] } },
    ],
  },
  'test',
);

const p = (id: number, categories: number[], fields: Record<string, unknown> = {}): ProductState => ({
  id,
  categories,
  sale_price: 0,
  price: 50,
  inventory_tracking: 'none',
  inventory_level: 100,
  is_featured: false,
  date_created: '2020-01-01T00:00:00+00:00',
  ...fields,
});

/** What BigCommerce would hold after the plan's writes succeed. */
function applyToProducts(products: ProductState[], plan: CategoryPlan): ProductState[] {
  return products.map((prod) => {
    const cats = new Set(prod.categories);
    for (const a of plan.assign) if (a.productId === prod.id) cats.add(a.categoryId);
    for (const u of plan.unassign) if (u.productIds.includes(prod.id)) cats.delete(u.categoryId);
    return { ...prod, categories: [...cats] };
  });
}

const EMPTY = { assign: [], unassign: [], changedProductIds: [], skippedProductIds: [] };

describe('managedCategoryIds', () => {
  it('lists each category some rule names, once, sorted', () => expect(managedCategoryIds(RULES)).toEqual([50, 51, 52, 53, 54, 55]));
});

describe('planCategoryChanges', () => {
  it.each([
    { name: 'nothing matches, nothing held: empty', products: [p(1, [])], plan: EMPTY },
    { name: 'on sale: assign', products: [p(1, [], { sale_price: 5 })], plan: { ...EMPTY, assign: [{ productId: 1, categoryId: 50 }], changedProductIds: [1] } },
    { name: 'on sale and already there: no change', products: [p(1, [50], { sale_price: 5 })], plan: EMPTY },
    { name: 'sale ended (sale_price 0): unassign', products: [p(1, [50, 7])], plan: { ...EMPTY, unassign: [{ categoryId: 50, productIds: [1] }], changedProductIds: [1] } },
    { name: 'unmanaged categories are never touched', products: [p(1, [1, 2, 3, 999])], plan: EMPTY },
    {
      name: 'low stock needs tracking on',
      products: [p(1, [], { inventory_tracking: 'product', inventory_level: 5 }), p(2, [51], { inventory_tracking: 'none', inventory_level: 0 })],
      plan: { ...EMPTY, assign: [{ productId: 1, categoryId: 51 }], unassign: [{ categoryId: 51, productIds: [2] }], changedProductIds: [1, 2] },
    },
    { name: 'same category from two rules: first rule matches', products: [p(1, [], { is_featured: true })], plan: { ...EMPTY, assign: [{ productId: 1, categoryId: 52 }], changedProductIds: [1] } },
    { name: 'same category from two rules: second rule matches', products: [p(1, [], { price: 5 })], plan: { ...EMPTY, assign: [{ productId: 1, categoryId: 52 }], changedProductIds: [1] } },
    { name: 'same category from two rules: both match, one assignment', products: [p(1, [], { price: 5, is_featured: true })], plan: { ...EMPTY, assign: [{ productId: 1, categoryId: 52 }], changedProductIds: [1] } },
    { name: 'same category from two rules: one still matches, so no removal', products: [p(1, [52], { is_featured: true, price: 500 })], plan: EMPTY },
    { name: 'same category from two rules: neither matches any more', products: [p(1, [52])], plan: { ...EMPTY, unassign: [{ categoryId: 52, productIds: [1] }], changedProductIds: [1] } },
    {
      name: 'new arrival by date, relative to now',
      products: [p(1, [], { date_created: new Date(NOW - 3 * DAY).toISOString() }), p(2, [53], { date_created: new Date(NOW - 31 * DAY).toISOString() })],
      plan: { ...EMPTY, assign: [{ productId: 1, categoryId: 53 }], unassign: [{ categoryId: 53, productIds: [2] }], changedProductIds: [1, 2] },
    },
    { name: 'custom field', products: [p(1, [], { custom_fields: [{ id: 1, name: 'Brand', value: 'Acme' }] })], plan: { ...EMPTY, assign: [{ productId: 1, categoryId: 54 }], changedProductIds: [1] } },
    { name: 'rule reading an unmanaged category', products: [p(1, [23], { sale_price: 3 })], plan: { ...EMPTY, assign: [{ productId: 1, categoryId: 50 }, { productId: 1, categoryId: 55 }], changedProductIds: [1] } },
    { name: 'categories missing: skipped, not guessed', products: [{ id: 4, sale_price: 5 } as unknown as ProductState], plan: { ...EMPTY, skippedProductIds: [4] } },
    { name: 'categories not an array: skipped', products: [{ id: 4, categories: '50' } as unknown as ProductState], plan: { ...EMPTY, skippedProductIds: [4] } },
    { name: 'numeric-string category ids are understood', products: [{ ...p(1, []), categories: ['50'] } as unknown as ProductState], plan: { ...EMPTY, unassign: [{ categoryId: 50, productIds: [1] }], changedProductIds: [1] } },
    { name: 'entries without a valid id are ignored', products: [p(0, [], { sale_price: 1 }), p(-1, [], { sale_price: 1 }), p(1.5, [], { sale_price: 1 })], plan: EMPTY },
    { name: 'duplicate id: the last entry wins', products: [p(1, [], { sale_price: 5 }), p(1, [])], plan: EMPTY },
    {
      name: 'output sorted regardless of input order',
      products: [p(9, [50, 52]), p(3, [], { sale_price: 1, price: 1 }), p(5, [50]), p(1, [], { is_featured: true })],
      plan: {
        ...EMPTY,
        assign: [
          { productId: 1, categoryId: 52 },
          { productId: 3, categoryId: 50 },
          { productId: 3, categoryId: 52 },
        ],
        unassign: [
          { categoryId: 50, productIds: [5, 9] },
          { categoryId: 52, productIds: [9] },
        ],
        changedProductIds: [1, 3, 5, 9],
      },
    },
  ])('$name', ({ products, plan }) => {
    const got = planCategoryChanges(products, RULES, NOW);
    expect(got).toEqual(plan);
    expect(isEmptyPlan(got)).toBe(plan.assign.length === 0 && plan.unassign.length === 0);
  });

  it('with no rules, changes nothing whatever the products hold', () => {
    const none: RuleSet = parseRuleSet({ rules: [] }, 'x');
    expect(planCategoryChanges([p(1, [50, 51]), p(2, [], { sale_price: 9 })], none, NOW)).toEqual(EMPTY);
  });

  it('does not mutate its input', () => {
    const products = [p(1, [50]), p(2, [], { sale_price: 5 })];
    const copy = structuredClone(products);
    planCategoryChanges(products, RULES, NOW);
    expect(products).toEqual(copy);
  });

  it('reaches a fixed point: planning again after applying the plan gives an empty plan (stops the feedback loop)', () => {
    const random = rng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    let changes = 0;
    for (let round = 0; round < 200; round++) {
      const products = Array.from({ length: 1 + Math.floor(random() * 40) }, (_, i) =>
        p(i + 1, [...new Set(Array.from({ length: Math.floor(random() * 5) }, () => pick([1, 23, 50, 51, 52, 53, 54, 55, 999])))], {
          sale_price: pick([0, 0, 0, 4.5, 19]),
          price: pick([5, 9.99, 10, 50]),
          inventory_tracking: pick(['none', 'product', 'variant']),
          inventory_level: pick([0, 3, 5, 6, 100]),
          is_featured: pick([true, false]),
          date_created: new Date(NOW - pick([0, 10, 30, 31, 400]) * DAY + pick([0, 1, -1])).toISOString(),
          custom_fields: pick([undefined, [], [{ id: 1, name: 'Brand', value: pick(['Acme', 'acme', 'Other']) }]]),
        }),
      );
      const plan = planCategoryChanges(products, RULES, NOW);
      changes += plan.assign.length + plan.unassign.length;
      const after = applyToProducts(products, plan);
      expect(planCategoryChanges(after, RULES, NOW)).toEqual(EMPTY);
      // Only managed categories changed, and only for products the plan names.
      for (const [i, before] of products.entries()) {
        const diff = symmetricDiff(before.categories, after[i]!.categories);
        for (const c of diff) expect(managedCategoryIds(RULES)).toContain(c);
        expect(diff.length > 0).toBe(plan.changedProductIds.includes(before.id));
      }
    }
    // The generator really produces work to do (otherwise the fixed point would be trivial).
    expect(changes).toBeGreaterThan(1000);
  });

  it('is deterministic under input reordering', () => {
    const products = [p(4, [50]), p(2, [], { sale_price: 1 }), p(7, [], { price: 1 }), p(1, [51], { inventory_tracking: 'product', inventory_level: 50 })];
    const expected = planCategoryChanges(products, RULES, NOW);
    expect(planCategoryChanges([...products].reverse(), RULES, NOW)).toEqual(expected);
    expect(planCategoryChanges([products[2]!, products[0]!, products[3]!, products[1]!], RULES, NOW)).toEqual(expected);
  });
});

function symmetricDiff(a: number[], b: number[]): number[] {
  const sa = new Set(a);
  const sb = new Set(b);
  return [...a.filter((x) => !sb.has(x)), ...b.filter((x) => !sa.has(x))];
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
