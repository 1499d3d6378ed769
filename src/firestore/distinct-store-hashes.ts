import type { CollectionReference } from '@google-cloud/firestore';

/**
 * Store hashes present in a collection whose documents carry a `storeHash` field, by skip-scan: one
 * indexed read per store, not per document, so it stays cheap however much work a store has queued.
 */
export async function distinctStoreHashes(collection: CollectionReference): Promise<string[]> {
  const hashes: string[] = [];
  for (;;) {
    let q = collection.orderBy('storeHash').select('storeHash').limit(1);
    const last = hashes.at(-1);
    if (last !== undefined) q = q.where('storeHash', '>', last);
    const doc = (await q.get()).docs[0];
    if (!doc) return hashes;
    hashes.push(doc.get('storeHash') as string);
  }
}
