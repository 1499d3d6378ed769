import { describe, expect, it } from 'vitest';
import { diffRuleSets } from '../../../src/rules/diff-rule-sets.ts';
import type { RuleSet } from '../../../src/rules/rule-set-schema.ts';

const sale = { name: 'sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } } as const;
const featured = { name: 'featured', categoryId: 52, when: { field: 'is_featured', op: 'eq', value: true } } as const;
const rs = (...rules: RuleSet['rules']): RuleSet => ({ rules: [...rules] });

describe('diffRuleSets', () => {
  const cases: { name: string; prev: RuleSet | undefined; next: RuleSet; expected: ReturnType<typeof diffRuleSets> }[] = [
    { name: 'first save', prev: undefined, next: rs(sale), expected: { added: ['sale'], removed: [], changed: [], unmanagedCategoryIds: [], newlyManagedCategoryIds: [50] } },
    { name: 'no change', prev: rs(sale), next: rs(sale), expected: { added: [], removed: [], changed: [], unmanagedCategoryIds: [], newlyManagedCategoryIds: [] } },
    {
      name: 'key order is not a change',
      prev: rs(sale),
      next: rs({ when: { value: 0, op: 'gt', field: 'sale_price' }, categoryId: 50, name: 'sale' }),
      expected: { added: [], removed: [], changed: [], unmanagedCategoryIds: [], newlyManagedCategoryIds: [] },
    },
    {
      name: 'changed value',
      prev: rs(sale),
      next: rs({ ...sale, when: { field: 'sale_price', op: 'gt', value: 1 } }),
      expected: { added: [], removed: [], changed: ['sale'], unmanagedCategoryIds: [], newlyManagedCategoryIds: [] },
    },
    {
      name: 'moved category',
      prev: rs(sale),
      next: rs({ ...sale, categoryId: 60 }),
      expected: { added: [], removed: [], changed: ['sale'], unmanagedCategoryIds: [50], newlyManagedCategoryIds: [60] },
    },
    { name: 'removed rule', prev: rs(sale, featured), next: rs(featured), expected: { added: [], removed: ['sale'], changed: [], unmanagedCategoryIds: [50], newlyManagedCategoryIds: [] } },
    {
      name: 'description edit is a change',
      prev: rs(sale),
      next: rs({ ...sale, description: 'on sale' }),
      expected: { added: [], removed: [], changed: ['sale'], unmanagedCategoryIds: [], newlyManagedCategoryIds: [] },
    },
  ];
  it.each(cases)('$name', ({ prev, next, expected }) => {
    expect(diffRuleSets(prev, next)).toEqual(expected);
  });
});
