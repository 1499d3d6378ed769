import { createHash } from 'node:crypto';
import { z } from 'zod';
import { storeHashOfContext } from './store-hash.ts';

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
    producer: z.string().refine((p) => storeHashOfContext(p) !== undefined, 'producer must be stores/{store_hash} (1-64 of A-Z a-z 0-9 _ -; not an id Firestore reserves)'),
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
  const storeHash = storeHashOfContext(event.producer)!;
  // BigCommerce always sends `hash`; should one ever lack it, the content itself identifies the event.
  const hash = event.hash ?? createHash('sha1').update(data).digest('hex');
  return { ok: true, event, storeHash, hash };
}
