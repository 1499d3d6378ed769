import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The store-hash rule of the app callbacks (src/stores/app-routes.ts STORE_HASH_PATTERN; a unit test
 * keeps the two in step), minus the ids Firestore reserves (`__.*__`): the hash names the store's
 * documents, so such a store could never be installed, and its events could only fail later.
 */
const PRODUCER = /^stores\/([A-Za-z0-9_-]{1,64})$/;
const FIRESTORE_RESERVED_ID = /^__.*__$/;

/**
 * A BigCommerce webhook body (reference §2.1). Lenient where the documentation says payloads vary:
 * `store_id` is a string of digits today but was a number, `created_at` is sometimes missing, ids
 * inside `data` appear as numbers or numeric strings. `producer` (`stores/{hash}`) is the only
 * reliable store identity, so an event without a valid one cannot be routed and is rejected.
 */
export const BigCommerceEventSchema = z
  .object({
    scope: z.string().regex(/^store\/[A-Za-z0-9_/{}*.-]+$/, 'scope must look like store/...'),
    store_id: z.union([z.string(), z.number()]).transform(String).optional(),
    producer: z
      .string()
      .regex(PRODUCER, 'producer must be stores/{store_hash} with 1-64 of A-Z a-z 0-9 _ -')
      .refine((p) => !FIRESTORE_RESERVED_ID.test(p.slice('stores/'.length)), 'producer store hash is an id Firestore reserves (__...__)'),
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

export const isProductDelete = (scope: string) => scope === 'store/product/deleted';
