import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A BigCommerce webhook body (reference §2.1). Lenient where the documentation says payloads vary:
 * `store_id` is a string of digits today but was a number, `created_at` is sometimes missing, ids
 * inside `data` appear as numbers or numeric strings. `producer` (`stores/{hash}`) is the only
 * reliable store identity, so an event without it cannot be routed and is rejected.
 */
const intLike = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

export const BigCommerceEventSchema = z
  .object({
    scope: z.string().regex(/^store\/[A-Za-z0-9_/{}*.-]+$/, 'scope must look like store/...'),
    store_id: z.union([z.string(), z.number()]).transform(String).optional(),
    producer: z.string().regex(/^stores\/[A-Za-z0-9_-]+$/, 'producer must be stores/{store_hash}'),
    hash: z.string().min(1).max(200).optional(),
    created_at: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
    data: z.record(z.string(), z.unknown()).default({}),
  })
  .loose();
export type BigCommerceEvent = z.infer<typeof BigCommerceEventSchema>;

export type EventParseResult = { ok: true; event: BigCommerceEvent; storeHash: string; hash: string } | { ok: false; reason: string };

export function parseBigCommerceEvent(data: Buffer): EventParseResult {
  if (data.length === 0) return { ok: false, reason: 'message data is empty' };
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    return { ok: false, reason: 'message data is not JSON' };
  }
  const parsed = BigCommerceEventSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: `not a BigCommerce webhook: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}` };
  }
  const event = parsed.data;
  const storeHash = event.producer.slice('stores/'.length);
  // BigCommerce always sends `hash`; should one ever lack it, the content itself identifies the event.
  const hash = event.hash ?? createHash('sha1').update(data).digest('hex');
  return { ok: true, event, storeHash, hash };
}

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

export const isProductDelete = (scope: string) => scope === 'store/product/deleted';
