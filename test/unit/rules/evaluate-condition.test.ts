import { describe, expect, it } from 'vitest';
import { evaluateCondition, resolveField } from '../../../src/rules/evaluate-condition.ts';
import { parseRuleSet, type Condition } from '../../../src/rules/rule-set-schema.ts';

const NOW = Date.UTC(2024, 5, 15, 12, 0, 0); // 2024-06-15T12:00:00Z
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

const product = {
  id: 1,
  name: 'Blue Running Shoe',
  price: 100,
  sale_price: 0,
  retail_price: 120,
  inventory_level: 5,
  inventory_tracking: 'product',
  is_featured: true,
  is_visible: false,
  availability: 'available',
  brand_id: 0,
  categories: [23, 24],
  sku: '0042',
  description: '',
  warranty: null,
  date_created: '2024-06-10T09:00:00+00:00',
  date_modified: 'not a date',
  custom_fields: [
    { id: 1, name: 'Brand', value: 'Acme' },
    { id: 2, name: 'Weight', value: '12.5' },
    { id: 3, name: 'Brand', value: 'Second' },
    { id: 4, name: 'Launch', value: '2024-06-01' },
  ],
};

/** Validated through the schema first, so every row is a condition the service could really hold. */
const cond = (c: unknown): Condition => parseRuleSet({ rules: [{ name: 'r', categoryId: 1, when: c }] }, 'test').rules[0]!.when;

type Row = [string, unknown, boolean, Record<string, unknown>?];

const rows: Row[] = [
  // eq / neq
  ['eq number', { field: 'price', op: 'eq', value: 100 }, true],
  ['eq number mismatch', { field: 'price', op: 'eq', value: 99 }, false],
  ['eq number vs numeric string field (lenient, by value)', { field: 'sku', op: 'eq', value: 42 }, true],
  ['eq numeric string value vs number field', { field: 'price', op: 'eq', value: '100.0' }, true],
  ['eq non-numeric string vs number', { field: 'price', op: 'eq', value: 'abc' }, false],
  ['eq strings are exact', { field: 'availability', op: 'eq', value: 'available' }, true],
  ['eq strings are case-sensitive', { field: 'availability', op: 'eq', value: 'Available' }, false],
  ['eq string vs string stays textual ("0042" != "42")', { field: 'sku', op: 'eq', value: '42' }, false],
  ['eq boolean', { field: 'is_featured', op: 'eq', value: true }, true],
  ['eq boolean vs false field', { field: 'is_visible', op: 'eq', value: true }, false],
  ['eq boolean does not match the string "true"', { field: 'flag', op: 'eq', value: true }, false, { flag: 'true' }],
  ['eq zero', { field: 'brand_id', op: 'eq', value: 0 }, true],
  ['eq empty string', { field: 'description', op: 'eq', value: '' }, true],
  ['eq on an array field is false', { field: 'categories', op: 'eq', value: 23 }, false],
  ['eq on a missing field is false', { field: 'nope', op: 'eq', value: 1 }, false],
  ['eq on a null field is false', { field: 'warranty', op: 'eq', value: '' }, false],
  ['neq different', { field: 'inventory_tracking', op: 'neq', value: 'none' }, true],
  ['neq same', { field: 'inventory_tracking', op: 'neq', value: 'product' }, false],
  ['neq numeric by value', { field: 'sku', op: 'neq', value: 42 }, false],
  ['neq on a missing field is false', { field: 'nope', op: 'neq', value: 'x' }, false],
  ['neq on a null field is false', { field: 'warranty', op: 'neq', value: 'x' }, false],
  ['neq on an array field is false', { field: 'categories', op: 'neq', value: 99 }, false],
  ['not eq on a missing field is true (unlike neq)', { not: { field: 'nope', op: 'eq', value: 'x' } }, true],
  // ordering, numbers
  ['gt 0 with sale_price 0 (no sale price) is false', { field: 'sale_price', op: 'gt', value: 0 }, false],
  ['gt 0 with a sale price is true', { field: 'sale_price', op: 'gt', value: 0 }, true, { sale_price: 79.99 }],
  ['gte boundary', { field: 'inventory_level', op: 'gte', value: 5 }, true],
  ['gt boundary', { field: 'inventory_level', op: 'gt', value: 5 }, false],
  ['lte boundary', { field: 'inventory_level', op: 'lte', value: 5 }, true],
  ['lt boundary', { field: 'inventory_level', op: 'lt', value: 5 }, false],
  ['lt negative', { field: 'inventory_level', op: 'lt', value: 0 }, true, { inventory_level: -2 }],
  ['gt on a numeric string (custom field)', { field: 'custom_fields.Weight', op: 'gt', value: 12 }, true],
  ['lte on a numeric string (custom field)', { field: 'custom_fields.Weight', op: 'lte', value: 12.5 }, true],
  ['gt on a non-numeric string is false', { field: 'availability', op: 'gt', value: 0 }, false],
  ['gt on a boolean is false', { field: 'is_featured', op: 'gt', value: 0 }, false],
  ['gt on a missing field is false', { field: 'nope', op: 'gt', value: 0 }, false],
  ['lt on a missing field is false too', { field: 'nope', op: 'lt', value: 1e9 }, false],
  ['gt on null is false', { field: 'warranty', op: 'gt', value: -1 }, false],
  ['gt on an array is false', { field: 'categories', op: 'gt', value: 0 }, false],
  // ordering, dates
  ['gt date: created after', { field: 'date_created', op: 'gt', value: '2024-06-01' }, true],
  ['lt date: created before', { field: 'date_created', op: 'lt', value: '2024-06-01' }, false],
  ['gte date equal instant in another zone', { field: 'date_created', op: 'gte', value: '2024-06-10T11:00:00+02:00' }, true],
  ['gt date equal instant in another zone', { field: 'date_created', op: 'gt', value: '2024-06-10T11:00:00+02:00' }, false],
  ['date rule vs an unparsable field is false', { field: 'date_modified', op: 'lt', value: '2030-01-01' }, false],
  ['date rule vs a number field is false', { field: 'price', op: 'lt', value: '2030-01-01' }, false],
  ['number rule vs a date field is false', { field: 'date_created', op: 'gt', value: 0 }, false],
  ['date rule on a custom field date', { field: 'custom_fields.Launch', op: 'lt', value: '2024-06-02T00:00:00Z' }, true],
  // in
  ['in: scalar listed', { field: 'availability', op: 'in', value: ['preorder', 'available'] }, true],
  ['in: scalar not listed', { field: 'availability', op: 'in', value: ['preorder', 'disabled'] }, false],
  ['in: numeric string matches number by value', { field: 'brand_id', op: 'in', value: ['0', 7] }, true],
  ['in: array field, any element listed', { field: 'categories', op: 'in', value: [5, 24] }, true],
  ['in: array field, none listed', { field: 'categories', op: 'in', value: [5, 6] }, false],
  ['in: missing field is false', { field: 'nope', op: 'in', value: [1] }, false],
  ['in: object field is false', { field: 'meta', op: 'in', value: [1] }, false, { meta: { a: 1 } }],
  // contains
  ['contains: case-insensitive substring', { field: 'name', op: 'contains', value: 'running' }, true],
  ['contains: substring absent', { field: 'name', op: 'contains', value: 'walking' }, false],
  ['contains: number in a string field', { field: 'sku', op: 'contains', value: 42 }, true],
  ['contains: array element equality', { field: 'categories', op: 'contains', value: 23 }, true],
  ['contains: array element equality, numeric string', { field: 'categories', op: 'contains', value: '24' }, true],
  ['contains: array is not substring-matched', { field: 'tags', op: 'contains', value: 'sho' }, false, { tags: ['shoe', 'blue'] }],
  ['contains: array of strings, exact element', { field: 'tags', op: 'contains', value: 'shoe' }, true, { tags: ['shoe', 'blue'] }],
  ['contains: number field is false', { field: 'price', op: 'contains', value: 1 }, false],
  ['contains: missing field is false', { field: 'nope', op: 'contains', value: 'a' }, false],
  ['contains: empty string matches any string', { field: 'name', op: 'contains', value: '' }, true],
  // exists
  ['exists: present', { field: 'price', op: 'exists' }, true],
  ['exists: zero counts as present', { field: 'sale_price', op: 'exists' }, true],
  ['exists: empty string counts as present', { field: 'description', op: 'exists' }, true],
  ['exists: null is absent', { field: 'warranty', op: 'exists' }, false],
  ['exists: missing', { field: 'nope', op: 'exists' }, false],
  ['exists true explicit', { field: 'price', op: 'exists', value: true }, true],
  ['exists false: missing', { field: 'nope', op: 'exists', value: false }, true],
  ['exists false: null', { field: 'warranty', op: 'exists', value: false }, true],
  ['exists false: present', { field: 'price', op: 'exists', value: false }, false],
  // within_days
  ['within_days: 5 days ago within 7', { field: 'date_created', op: 'within_days', value: 7 }, true],
  ['within_days: 5 days ago not within 4', { field: 'date_created', op: 'within_days', value: 4 }, false],
  ['within_days: exactly N days ago is within (inclusive)', { field: 'd', op: 'within_days', value: 3 }, true, { d: iso(NOW - 3 * DAY) }],
  ['within_days: one ms beyond N days is out', { field: 'd', op: 'within_days', value: 3 }, false, { d: new Date(NOW - 3 * DAY - 1).toISOString() }],
  ['within_days: fractional days', { field: 'd', op: 'within_days', value: 0.5 }, true, { d: iso(NOW - 11 * 3_600_000) }],
  ['within_days: future dates count as within', { field: 'd', op: 'within_days', value: 1 }, true, { d: iso(NOW + 30 * DAY) }],
  ['within_days: unparsable date is false', { field: 'date_modified', op: 'within_days', value: 10_000 }, false],
  ['within_days: zoneless date-time is false', { field: 'd', op: 'within_days', value: 10 }, false, { d: '2024-06-14T00:00:00' }],
  ['within_days: number field is false', { field: 'price', op: 'within_days', value: 10 }, false],
  ['within_days: missing is false', { field: 'nope', op: 'within_days', value: 10 }, false],
  // custom fields
  ['custom field by exact name', { field: 'custom_fields.Brand', op: 'eq', value: 'Acme' }, true],
  ['custom field: first of repeated names wins', { field: 'custom_fields.Brand', op: 'eq', value: 'Second' }, false],
  ['custom field name is case-sensitive', { field: 'custom_fields.brand', op: 'exists' }, false],
  ['custom field absent', { field: 'custom_fields.Color', op: 'exists' }, false],
  ['custom fields not fetched', { field: 'custom_fields.Brand', op: 'exists' }, false, { custom_fields: undefined }],
  ['custom_fields not an array', { field: 'custom_fields.Brand', op: 'exists' }, false, { custom_fields: { Brand: 'Acme' } }],
  ['custom field entries that are not objects are skipped', { field: 'custom_fields.X', op: 'eq', value: '1' }, true, { custom_fields: [null, 'x', { name: 'X', value: '1' }] }],
  ['custom field name containing a dot', { field: 'custom_fields.v1.2', op: 'eq', value: 'y' }, true, { custom_fields: [{ name: 'v1.2', value: 'y' }] }],
  // inherited properties never resolve
  ['constructor is not a product field', { field: 'constructor', op: 'exists' }, false],
  // groups
  ['all: every condition holds', { all: [{ field: 'inventory_tracking', op: 'neq', value: 'none' }, { field: 'inventory_level', op: 'lte', value: 5 }] }, true],
  ['all: one fails', { all: [{ field: 'inventory_tracking', op: 'neq', value: 'none' }, { field: 'inventory_level', op: 'lte', value: 4 }] }, false],
  ['all: low stock but tracking off', { all: [{ field: 'inventory_tracking', op: 'neq', value: 'none' }, { field: 'inventory_level', op: 'lte', value: 5 }] }, false, { inventory_tracking: 'none' }],
  ['any: one holds', { any: [{ field: 'price', op: 'lt', value: 10 }, { field: 'is_featured', op: 'eq', value: true }] }, true],
  ['any: none holds', { any: [{ field: 'price', op: 'lt', value: 10 }, { field: 'is_visible', op: 'eq', value: true }] }, false],
  ['not', { not: { field: 'is_visible', op: 'eq', value: true } }, true],
  ['nested', { all: [{ not: { any: [{ field: 'price', op: 'gt', value: 500 }, { field: 'nope', op: 'exists' }] } }, { field: 'categories', op: 'contains', value: 24 }] }, true],
];

describe('evaluateCondition', () => {
  it.each(rows)('%s', (_name, c, expected, overrides) => {
    expect(evaluateCondition(cond(c), { ...product, ...overrides }, NOW)).toBe(expected);
  });

  it('depends on time only through within_days', () => {
    const c = cond({ field: 'date_created', op: 'within_days', value: 7 });
    expect(evaluateCondition(c, product, NOW)).toBe(true);
    expect(evaluateCondition(c, product, NOW + 10 * DAY)).toBe(false);
  });

  it('never throws on odd product shapes', () => {
    const conditions = rows.map(([, c]) => cond(c));
    const shapes: Record<string, unknown>[] = [{}, { price: Number.NaN }, { price: Infinity }, { categories: null }, { custom_fields: [{}] }, Object.create(null) as Record<string, unknown>];
    for (const shape of shapes) for (const c of conditions) expect(typeof evaluateCondition(c, shape, NOW)).toBe('boolean');
  });

  it('treats NaN and Infinity as non-numbers', () => {
    expect(evaluateCondition(cond({ field: 'price', op: 'gt', value: 0 }), { price: Infinity }, NOW)).toBe(false);
    expect(evaluateCondition(cond({ field: 'price', op: 'exists' }), { price: Number.NaN }, NOW)).toBe(true);
    expect(evaluateCondition(cond({ field: 'price', op: 'eq', value: 0 }), { price: Number.NaN }, NOW)).toBe(false);
  });
});

describe('resolveField', () => {
  it.each([
    ['price', 100],
    ['custom_fields.Weight', '12.5'],
    ['custom_fields.Missing', undefined],
    ['missing', undefined],
    ['toString', undefined],
  ])('%s -> %j', (field, expected) => expect(resolveField(product, field)).toBe(expected));
});
