import type { Product } from '../bigcommerce/product.ts';
import { explainCondition, resolveField, type ConditionExplanation } from '../rules/evaluate-condition.ts';
import { managedCategoryIds } from '../rules/plan-category-changes.ts';
import { fieldsForRules, productFetchOptions } from '../rules/required-fields.ts';
import type { Condition, RuleSet } from '../rules/rule-set-schema.ts';
import type { CatalogTransport } from './catalog-reads.ts';
import { ProductResponseSchema } from '../bigcommerce/product.ts';
import { productPath } from '../bigcommerce/catalog-paths.ts';
import { isAppError, ErrorCode } from '../errors.ts';
import type { HistorySummary } from '../events/product-history.ts';

export interface ProductExplanation {
  product: { id: number; name: string | undefined; sku: string | undefined };
  /** Every field path the rules read, with the value BigCommerce returns now. */
  fields: { field: string; value: unknown }[];
  rules: { name: string; categoryId: number; verdict: boolean; condition: ConditionExplanation }[];
  /** Managed categories: is the product in it now, should it be. */
  categories: { categoryId: number; member: boolean; desired: boolean; change: 'add' | 'remove' | 'none' }[];
  /** The product's history here (recent syncs: events, read, change written, given up); absent where no history store is wired. */
  history?: HistorySummary;
}

function conditionFields(c: Condition, into: Set<string>): void {
  if ('all' in c) c.all.forEach((x) => conditionFields(x, into));
  else if ('any' in c) c.any.forEach((x) => conditionFields(x, into));
  else if ('not' in c) conditionFields(c.not, into);
  else into.add(c.field);
}

/** The explanation of one product as read (pure): every rule's tree with each leaf's verdict. */
export function explainProductState(product: Product, ruleSet: RuleSet, nowMs: number): ProductExplanation {
  const paths = new Set<string>();
  for (const r of ruleSet.rules) conditionFields(r.when, paths);
  const rules = ruleSet.rules.map((r) => {
    const condition = explainCondition(r.when, product, nowMs);
    return { name: r.name, categoryId: r.categoryId, verdict: condition.verdict, condition };
  });
  const current = new Set((Array.isArray(product.categories) ? product.categories : []).map(Number));
  const categories = managedCategoryIds(ruleSet).map((categoryId) => {
    const member = current.has(categoryId);
    const desired = rules.some((r) => r.categoryId === categoryId && r.verdict);
    return { categoryId, member, desired, change: desired === member ? ('none' as const) : desired ? ('add' as const) : ('remove' as const) };
  });
  return {
    product: { id: product.id, name: product.name, sku: product.sku },
    fields: [...paths].sort().map((field) => ({ field, value: resolveField(product, field) })),
    rules,
    categories,
  };
}

/** Reads the product now (one GET, the rules' fields plus name and SKU) and explains it; undefined on 404. */
export async function explainProduct(client: CatalogTransport, productId: number, ruleSet: RuleSet, nowMs: number): Promise<ProductExplanation | undefined> {
  const opts = productFetchOptions(ruleSet);
  let body;
  try {
    const res = await client.request('GET', productPath(productId, { includeFields: [...new Set([...fieldsForRules(ruleSet), 'name', 'sku'])].sort(), include: opts.include }));
    body = ProductResponseSchema.parse(res.body);
  } catch (err) {
    if (isAppError(err, ErrorCode.BC_NOT_FOUND)) return undefined;
    throw err;
  }
  return explainProductState(body.data, ruleSet, nowMs);
}
