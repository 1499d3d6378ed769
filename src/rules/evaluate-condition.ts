import { parseIsoDateMs } from './parse-iso-date.ts';
import { CUSTOM_FIELD_PREFIX, type Condition, type FieldCondition } from './rule-set-schema.ts';

/** A product as fetched from BigCommerce (any subset of its fields). */
export type ProductFields = Readonly<Record<string, unknown>>;

const DAY_MS = 86_400_000;
// Plain decimal numbers only: no hex, no empty string, no "Infinity".
const NUMERIC_STRING = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** A number, or a string that is plainly one (custom field values are always strings). */
function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMERIC_STRING.test(v)) return Number(v);
  return undefined;
}

/**
 * The value a field path names. `custom_fields.X` is the value of the first entry of
 * `product.custom_fields` whose `name` is exactly X (BigCommerce allows repeated names; the first
 * wins). Other paths are the product's OWN property of that name, so `constructor` or `toString`
 * never resolve to something inherited from Object.prototype.
 */
export function resolveField(product: ProductFields, field: string): unknown {
  if (field.startsWith(CUSTOM_FIELD_PREFIX)) {
    const name = field.slice(CUSTOM_FIELD_PREFIX.length);
    const list = Object.hasOwn(product, 'custom_fields') ? product.custom_fields : undefined;
    if (!Array.isArray(list)) return undefined;
    const entry: unknown = list.find((e: unknown) => typeof e === 'object' && e !== null && (e as { name?: unknown }).name === name);
    return entry === undefined ? undefined : (entry as { value?: unknown }).value;
  }
  return Object.hasOwn(product, field) ? product[field] : undefined;
}

/**
 * Equality by value: if either side is a number, both must be numbers or numeric strings and are
 * compared numerically (`5` = `"5"` = `"5.0"`); otherwise strings compare exactly (case-sensitive)
 * and booleans only equal booleans.
 */
function scalarEquals(actual: unknown, expected: string | number | boolean): boolean {
  if (typeof actual === 'number' || typeof expected === 'number') {
    const a = toNumber(actual);
    const b = toNumber(expected);
    return a !== undefined && b !== undefined && a === b;
  }
  return actual === expected;
}

const isScalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * Sign of (actual - expected) for the ordering ops, or undefined when they are not comparable:
 * a number rule value compares numerically (numeric strings allowed on the product side); a date
 * rule value compares by instant with a product value that also parses as an ISO-8601 date.
 */
function compareOrdered(actual: unknown, expected: number | string): number | undefined {
  if (typeof expected === 'number') {
    const a = toNumber(actual);
    return a === undefined ? undefined : Math.sign(a - expected);
  }
  const a = typeof actual === 'string' ? parseIsoDateMs(actual) : undefined;
  const b = parseIsoDateMs(expected);
  return a === undefined || b === undefined ? undefined : Math.sign(a - b);
}

function evaluateField(cond: FieldCondition, actual: unknown, nowMs: number): boolean {
  const present = actual !== undefined && actual !== null;
  if (cond.op === 'exists') return cond.value === false ? !present : present;
  // Every comparison with a missing or null field is false, `neq` included.
  if (!present) return false;
  switch (cond.op) {
    case 'eq':
      return isScalar(actual) && scalarEquals(actual, cond.value);
    case 'neq':
      return isScalar(actual) && !scalarEquals(actual, cond.value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const sign = compareOrdered(actual, cond.value);
      if (sign === undefined) return false;
      if (cond.op === 'gt') return sign > 0;
      if (cond.op === 'gte') return sign >= 0;
      if (cond.op === 'lt') return sign < 0;
      return sign <= 0;
    }
    case 'in':
      if (Array.isArray(actual)) return actual.some((a) => cond.value.some((v) => scalarEquals(a, v)));
      return isScalar(actual) && cond.value.some((v) => scalarEquals(actual, v));
    case 'contains':
      if (typeof actual === 'string') return actual.toLowerCase().includes(String(cond.value).toLowerCase());
      if (Array.isArray(actual)) return actual.some((a) => scalarEquals(a, cond.value));
      return false;
    case 'within_days': {
      const at = typeof actual === 'string' ? parseIsoDateMs(actual) : undefined;
      // Future dates count as within: "new in the last N days" must not drop a product whose clock runs ahead.
      return at !== undefined && nowMs - at <= cond.value * DAY_MS;
    }
  }
}

/**
 * Whether `product` satisfies `cond` at `nowMs` (only `within_days` reads the time). Pure and
 * total: never throws for any product shape. Semantics, in short (README.md has the table):
 * - missing or null field: every comparison is false (also `neq`); `exists` is false.
 *   So `neq x` means "has a value other than x", while `not {eq x}` also matches a missing field.
 * - eq/neq: by value; a number matches a numeric string (`5` vs `"5"`); strings are case-sensitive.
 *   Arrays and objects are never eq (nor neq) to anything: use `contains` / `in`.
 * - gt/gte/lt/lte: numbers (numeric strings allowed on the product side), or dates when the rule
 *   value is an ISO-8601 date and the product value parses as one; anything else is false.
 *   `sale_price: 0` is BigCommerce's "no sale price", so `sale_price gt 0` means "on sale".
 * - in: the field's value (or, for an array field, any of its elements) equals one listed value.
 * - contains: case-insensitive substring for a string field; element equality for an array field.
 * - within_days N: the field is an ISO-8601 date no more than N days before now; future dates count.
 */
export function evaluateCondition(cond: Condition, product: ProductFields, nowMs: number): boolean {
  if ('all' in cond) return cond.all.every((c) => evaluateCondition(c, product, nowMs));
  if ('any' in cond) return cond.any.some((c) => evaluateCondition(c, product, nowMs));
  if ('not' in cond) return !evaluateCondition(cond.not, product, nowMs);
  return evaluateField(cond, resolveField(product, cond.field), nowMs);
}

/** One node of {@link explainCondition}: the condition as written, the value read, and its verdict. */
export type ConditionExplanation =
  | { kind: 'field'; field: string; op: FieldCondition['op']; value: FieldCondition['value']; actual: unknown; verdict: boolean }
  | { kind: 'all' | 'any'; verdict: boolean; children: ConditionExplanation[] }
  | { kind: 'not'; verdict: boolean; child: ConditionExplanation };

/**
 * Like {@link evaluateCondition}, but returns the whole tree with each node's verdict and each leaf's
 * value as read, so a merchant can see *why* a product is or is not in a category. Every child is
 * evaluated (no short circuit): the explanation shows all verdicts, not just the deciding one. The
 * root verdict always equals `evaluateCondition(cond, product, nowMs)`.
 */
export function explainCondition(cond: Condition, product: ProductFields, nowMs: number): ConditionExplanation {
  if ('all' in cond) {
    const children = cond.all.map((c) => explainCondition(c, product, nowMs));
    return { kind: 'all', verdict: children.every((c) => c.verdict), children };
  }
  if ('any' in cond) {
    const children = cond.any.map((c) => explainCondition(c, product, nowMs));
    return { kind: 'any', verdict: children.some((c) => c.verdict), children };
  }
  if ('not' in cond) {
    const child = explainCondition(cond.not, product, nowMs);
    return { kind: 'not', verdict: !child.verdict, child };
  }
  const actual = resolveField(product, cond.field);
  return { kind: 'field', field: cond.field, op: cond.op, value: cond.value, actual, verdict: evaluateField(cond, actual, nowMs) };
}
