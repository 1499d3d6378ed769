import { CUSTOM_FIELD_PREFIX, type Condition, type RuleSet } from './rule-set-schema.ts';

function collectFields(cond: Condition, into: Set<string>): void {
  if ('all' in cond) cond.all.forEach((c) => collectFields(c, into));
  else if ('any' in cond) cond.any.forEach((c) => collectFields(c, into));
  else if ('not' in cond) collectFields(cond.not, into);
  else into.add(cond.field);
}

function ruleFields(ruleSet: RuleSet): Set<string> {
  const fields = new Set<string>();
  for (const rule of ruleSet.rules) collectFields(rule.when, fields);
  return fields;
}

/** Whether any rule reads a custom field, i.e. the product fetch needs `include=custom_fields`. */
export function needsCustomFields(ruleSet: RuleSet): boolean {
  return [...ruleFields(ruleSet)].some((f) => f.startsWith(CUSTOM_FIELD_PREFIX));
}

/**
 * The `include_fields` a product fetch needs so every rule can be evaluated: the top-level fields
 * the rules read, plus `id` and `categories` (current membership, which the diff needs). Sorted,
 * unique. When a rule reads `custom_fields.X`, `custom_fields` is listed too: how BigCommerce
 * combines `include_fields` with `include=custom_fields` is not documented, and naming the field
 * in both is harmless (it is a product field).
 */
export function fieldsForRules(ruleSet: RuleSet): string[] {
  const fields = new Set(['id', 'categories']);
  for (const f of ruleFields(ruleSet)) fields.add(f.startsWith(CUSTOM_FIELD_PREFIX) ? 'custom_fields' : f);
  return [...fields].sort();
}

/**
 * Both answers in the shape of the client's fetch options:
 * `catalog.productsByIds(ids, productFetchOptions(ruleSet))`.
 */
export function productFetchOptions(ruleSet: RuleSet): { includeFields: string[]; include: string[] } {
  return { includeFields: fieldsForRules(ruleSet), include: needsCustomFields(ruleSet) ? ['custom_fields'] : [] };
}
