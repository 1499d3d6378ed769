import { describe, expect, it } from 'vitest';
import { fieldsForRules, needsCustomFields, productFetchOptions } from '../../../src/rules/required-fields.ts';
import { parseRuleSet } from '../../../src/rules/rule-set-schema.ts';

const ruleSet = (...whens: unknown[]) => parseRuleSet({ rules: whens.map((when, i) => ({ name: `r${i}`, categoryId: 100 + i, when })) }, 'test');

describe('fieldsForRules / needsCustomFields', () => {
  it.each([
    { name: 'no rules: still id and categories', rules: ruleSet(), fields: ['categories', 'id'], custom: false },
    { name: 'one field', rules: ruleSet({ field: 'sale_price', op: 'gt', value: 0 }), fields: ['categories', 'id', 'sale_price'], custom: false },
    {
      name: 'fields inside nested groups, deduplicated and sorted',
      rules: ruleSet(
        { all: [{ field: 'inventory_tracking', op: 'neq', value: 'none' }, { not: { any: [{ field: 'inventory_level', op: 'lte', value: 5 }, { field: 'sale_price', op: 'exists' }] } }] },
        { field: 'sale_price', op: 'gt', value: 0 },
      ),
      fields: ['categories', 'id', 'inventory_level', 'inventory_tracking', 'sale_price'],
      custom: false,
    },
    { name: 'id and categories named by rules are not repeated', rules: ruleSet({ field: 'categories', op: 'contains', value: 3 }, { field: 'id', op: 'gt', value: 5 }), fields: ['categories', 'id'], custom: false },
    {
      name: 'custom fields need include=custom_fields and the custom_fields field',
      rules: ruleSet({ field: 'custom_fields.Brand', op: 'eq', value: 'Acme' }, { field: 'custom_fields.Colour', op: 'exists' }),
      fields: ['categories', 'custom_fields', 'id'],
      custom: true,
    },
    { name: 'custom field deep in a group', rules: ruleSet({ any: [{ field: 'price', op: 'lt', value: 5 }, { not: { field: 'custom_fields.X', op: 'exists' } }] }), fields: ['categories', 'custom_fields', 'id', 'price'], custom: true },
  ])('$name', ({ rules, fields, custom }) => {
    expect(fieldsForRules(rules)).toEqual(fields);
    expect(needsCustomFields(rules)).toBe(custom);
    expect(productFetchOptions(rules)).toEqual({ includeFields: fields, include: custom ? ['custom_fields'] : [] });
  });
});
