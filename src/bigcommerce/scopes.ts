import { z } from 'zod';
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

const intLike = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const asInt = (v: unknown): number | undefined => {
  const r = intLike.safeParse(v);
  return r.success && r.data > 0 ? r.data : undefined;
};
const field = (o: unknown, k: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined);

/**
 * The products an event concerns (reference §2.2): `store/product/*` carries the product id in
 * `data.id` (inventory events also in `data.inventory.product_id`), `store/sku/*` in
 * `data.sku.product_id` or `data.inventory.product_id`, product metafield events in
 * `data.resource_id`, shared-modifier updates in `data.affected_product_ids`.
 */
export function productIdsOf(event: BigCommerceEvent): number[] {
  const d = event.data;
  const ids = new Set<number>();
  const add = (v: unknown) => {
    const n = asInt(v);
    if (n !== undefined) ids.add(n);
  };
  if (event.scope.startsWith('store/product/metafield/')) {
    add(d.resource_id);
  } else if (event.scope.startsWith('store/product/')) {
    add(field(d.inventory, 'product_id'));
    if (ids.size === 0 && (d.type === undefined || d.type === 'product')) add(d.id);
  } else if (event.scope.startsWith('store/sku/')) {
    add(field(d.sku, 'product_id'));
    add(field(d.inventory, 'product_id'));
  } else if (event.scope === 'store/modifier/updated' && Array.isArray(d.affected_product_ids)) {
    for (const v of d.affected_product_ids) add(v);
  }
  return [...ids].sort((a, b) => a - b);
}
