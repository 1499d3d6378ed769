import { z } from 'zod';

/**
 * A BigCommerce store hash (the `{hash}` of `stores/{hash}` and of the API base path). BigCommerce's
 * are short lowercase alphanumerics; this accepts the wider URL- and Firestore-id-safe alphabet and
 * caps the length, so a hash is always safe to put in a path or a document id.
 */
const STORE_HASH_SOURCE = '[A-Za-z0-9_-]{1,64}';

/**
 * Ids Firestore reserves (`__.*__`): a store hash names the store's documents, so such a store could
 * never be installed, and its events could only fail later (scale issue: refused at ingest).
 */
const FIRESTORE_RESERVED_ID = /^__.*__$/;

export const StoreHashSchema = z
  .string()
  .regex(new RegExp(`^${STORE_HASH_SOURCE}$`), 'must be a store hash ([A-Za-z0-9_-], 1-64 characters)')
  .refine((h) => !FIRESTORE_RESERVED_ID.test(h), 'must not be an id Firestore reserves (__...__)');
export type StoreHash = z.infer<typeof StoreHashSchema>;

/** `stores/{hash}`: the `producer` of webhook events, the `context` and `sub` of app callbacks. */
export const StoreContextSchema = z
  .string()
  .regex(new RegExp(`^stores/${STORE_HASH_SOURCE}$`), 'must be stores/{store_hash}')
  .transform((context) => context.slice('stores/'.length))
  .refine((h) => !FIRESTORE_RESERVED_ID.test(h), 'store hash must not be an id Firestore reserves (__...__)');

export const isStoreHash = (v: unknown): v is string => StoreHashSchema.safeParse(v).success;

/** The hash of a `stores/{hash}` context, or undefined when it is not one. */
export function storeHashOfContext(context: unknown): string | undefined {
  const r = StoreContextSchema.safeParse(context);
  return r.success ? r.data : undefined;
}
