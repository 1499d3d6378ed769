import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateCondition, explainCondition, type ConditionExplanation } from '../../../src/rules/evaluate-condition.ts';
import type { Condition } from '../../../src/rules/rule-set-schema.ts';

const NOW = Date.UTC(2025, 0, 31);
const product = { id: 1, sale_price: 5, price: 10, is_featured: false, custom_fields: [{ name: 'Brand', value: 'Acme' }], date_created: '2025-01-20T00:00:00Z' };

/** Compact form of an explanation for the table: leaves as `field op → verdict (actual)`. */
function show(e: ConditionExplanation): unknown {
  switch (e.kind) {
    case 'field':
      return `${e.field} ${e.op} ${JSON.stringify(e.value)} -> ${e.verdict} (${JSON.stringify(e.actual)})`;
    case 'all':
    case 'any':
      return { [e.kind]: e.verdict, children: e.children.map(show) };
    case 'not':
      return { not: e.verdict, child: show(e.child) };
  }
}

describe('explainCondition', () => {
  const cases: { name: string; cond: Condition; expected: unknown }[] = [
    { name: 'leaf true', cond: { field: 'sale_price', op: 'gt', value: 0 }, expected: 'sale_price gt 0 -> true (5)' },
    { name: 'leaf on a missing field', cond: { field: 'brand_id', op: 'eq', value: 3 }, expected: 'brand_id eq 3 -> false (undefined)' },
    { name: 'custom field', cond: { field: 'custom_fields.Brand', op: 'eq', value: 'Acme' }, expected: 'custom_fields.Brand eq "Acme" -> true ("Acme")' },
    {
      name: 'all: every child is shown, also after the first false',
      cond: { all: [{ field: 'is_featured', op: 'eq', value: true }, { field: 'price', op: 'lte', value: 10 }] },
      expected: { all: false, children: ['is_featured eq true -> false (false)', 'price lte 10 -> true (10)'] },
    },
    {
      name: 'any with a nested not',
      cond: { any: [{ not: { field: 'price', op: 'gt', value: 5 } }, { field: 'date_created', op: 'within_days', value: 30 }] },
      expected: { any: true, children: [{ not: false, child: 'price gt 5 -> true (10)' }, 'date_created within_days 30 -> true ("2025-01-20T00:00:00Z")'] },
    },
  ];
  it.each(cases)('$name', ({ cond, expected }) => {
    const e = explainCondition(cond, product, NOW);
    expect(show(e)).toEqual(expected);
    expect(e.verdict).toBe(evaluateCondition(cond, product, NOW));
  });

  it('its verdict always equals evaluateCondition (property)', () => {
    const leaf = fc.record({
      field: fc.constantFrom('sale_price', 'price', 'is_featured', 'missing', 'custom_fields.Brand'),
      op: fc.constantFrom('eq' as const, 'neq' as const, 'gt' as const, 'lte' as const),
      value: fc.integer({ min: -2, max: 12 }),
    });
    const cond: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
      c: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.record({ all: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
        fc.record({ any: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
        fc.record({ not: tie('c') }),
      ),
    })).c;
    fc.assert(fc.property(cond, (c) => explainCondition(c, product, NOW).verdict === evaluateCondition(c, product, NOW)));
  });
});
