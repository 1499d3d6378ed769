import type { BigCommerceEvent } from './webhook-event.ts';

/**
 * Everything the service knows about BigCommerce webhook scopes, in one place: which scopes it
 * subscribes to by default, how a wildcard matches, what each scope means for the pipeline and where
 * an event of each scope carries its product ids (reference §2.2).
 */

/** WEBHOOK_SCOPES when unset: every scope with an action below, as few hooks as cover them. */
export const DEFAULT_WEBHOOK_SCOPES: readonly string[] = ['store/product/*', 'store/sku/*', 'store/category/*', 'store/app/uninstalled', 'store/information/updated'];

/**
 * A hook scope `prefix/*` matches every scope under `prefix/` (at any depth: `store/product/*` covers
 * `store/product/inventory/order/updated`) and itself; any other scope matches itself only. This is
 * both how BigCommerce delivers to a wildcard hook and how our handler table reads its patterns.
 */
export function scopeMatches(pattern: string, scope: string): boolean {
  return pattern.endsWith('/*') ? scope.startsWith(pattern.slice(0, -1)) : pattern === scope;
}

/** What an event of a scope means for the pipeline. */
export type ScopeAction =
  /** Re-read the products it names and re-apply the rules. */
  | 'touch-products'
  /** The app was uninstalled: stop processing the store. */
  | 'store-uninstalled'
  /** Recorded for dedupe and the last-event time only. */
  | 'record-only';

/** Scope actions, by exact scope or `prefix/*`. First match wins; order matters only for overlaps. */
export const SCOPE_ACTIONS: readonly [pattern: string, action: ScopeAction][] = [
  ['store/product/*', 'touch-products'],
  ['store/sku/*', 'touch-products'],
  ['store/modifier/updated', 'touch-products'],
  ['store/app/uninstalled', 'store-uninstalled'],
  // Nothing to do for the category rules.
  ['store/category/*', 'record-only'],
  ['store/information/updated', 'record-only'],
  ['store/channel/*', 'record-only'],
];

/** The action for an event scope, or undefined when the service does not handle it (acked, logged). */
export function scopeAction(scope: string): ScopeAction | undefined {
  return SCOPE_ACTIONS.find(([pattern]) => scopeMatches(pattern, scope))?.[1];
}

export const isProductDelete = (scope: string) => scope === 'store/product/deleted';

/**
 * A product id as BigCommerce sends it: a positive integer, as a number or a string of digits, that
 * JavaScript holds exactly. Anything else ("1152921504606846977", 0, -1, "12abc", 1.5) is refused:
 * stored, it would fail every later read of its store.
 */
export function parseProductId(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

const field = (o: unknown, k: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined);
const show = (v: unknown) => (v === undefined ? 'missing' : (JSON.stringify(v) ?? typeof v).slice(0, 40));
const MAX_LISTED = 3;

export type ProductIdsResult = { ok: true; ids: number[] } | { ok: false; reason: string };

/**
 * The products an event concerns (reference §2.2): `store/product/*` carries the product id in
 * `data.id` (inventory events also in `data.inventory.product_id`), `store/sku/*` in
 * `data.sku.product_id` or `data.inventory.product_id`, product metafield events in
 * `data.resource_id`, shared-modifier updates in `data.affected_product_ids`.
 *
 * Strict: an event of these scopes whose product id is missing or not a product id is refused as a
 * whole, with the reason naming the offending fields (the push path records it as a rejection).
 * Dropping just the bad ids would hide a malformed event; BigCommerce's own ids are always valid.
 */
export function productIdsOf(event: BigCommerceEvent): ProductIdsResult {
  const d = event.data;
  const ids = new Set<number>();
  const bad: string[] = [];
  let badCount = 0;
  const take = (path: string, v: unknown) => {
    const n = parseProductId(v);
    if (n !== undefined) ids.add(n);
    else if (++badCount <= MAX_LISTED) bad.push(`${path}: ${show(v)}`);
  };
  const present = (v: unknown) => v !== undefined && v !== null;

  if (event.scope.startsWith('store/product/metafield/')) {
    take('data.resource_id', d.resource_id);
  } else if (event.scope.startsWith('store/product/')) {
    if (present(field(d.inventory, 'product_id'))) take('data.inventory.product_id', field(d.inventory, 'product_id'));
    else if (d.type === undefined || d.type === 'product') take('data.id', d.id);
    else take(`data.id (data.type ${show(d.type)}, expected "product")`, undefined);
  } else if (event.scope.startsWith('store/sku/')) {
    const fromSku = field(d.sku, 'product_id');
    const fromInventory = field(d.inventory, 'product_id');
    if (!present(fromSku) && !present(fromInventory)) take('data.sku.product_id', undefined);
    if (present(fromSku)) take('data.sku.product_id', fromSku);
    if (present(fromInventory)) take('data.inventory.product_id', fromInventory);
  } else if (event.scope === 'store/modifier/updated' && present(d.affected_product_ids)) {
    if (!Array.isArray(d.affected_product_ids)) take('data.affected_product_ids', d.affected_product_ids);
    else d.affected_product_ids.forEach((v: unknown, i) => take(`data.affected_product_ids[${i}]`, v));
  }
  if (badCount > 0) {
    const more = badCount > bad.length ? ` and ${badCount - bad.length} more` : '';
    return { ok: false, reason: `product id not a safe positive integer: ${bad.join('; ')}${more}` };
  }
  return { ok: true, ids: [...ids].sort((a, b) => a - b) };
}
