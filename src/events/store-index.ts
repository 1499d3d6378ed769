import { createHash } from 'node:crypto';
import { FieldPath, FieldValue, Timestamp, type DocumentData, type DocumentReference, type Firestore, type Precondition } from '@google-cloud/firestore';
import pLimit from 'p-limit';
import { GrpcStatus, grpcCode } from '../errors.ts';
import { COLLECTIONS } from '../firestore/collections.ts';

/**
 * Counter shards per store. Firestore sustains about one write per second on one document; every
 * stored event adds to one shard of its store, so 8 shards carry ~8 events/s per store steadily (more
 * in bursts) and `/status` reads at most 8 documents per store.
 */
export const INDEX_SHARDS = 8;

/** Deterministic shard of a write: a hash of its key (event marker id, chunk id) spreads them evenly. */
export function shardOf(key: string): number {
  return Number.parseInt(createHash('sha1').update(key).digest('hex').slice(0, 8), 16) % INDEX_SHARDS;
}

/** Adds `events` to the store's counter, counted as the shard `key` picks. */
export interface IndexWriter {
  merge(ref: DocumentReference, data: DocumentData): void;
}

/**
 * Which stores have pending work, and roughly how much, without scanning the pending records
 * (`pendingStores` collection, documents `{storeHash}_{shard}`).
 *
 * Membership: a store is listed while it has at least one shard document. Every write that creates a
 * pending record writes a shard of its store in the same atomic commit, and shards are deleted only by
 * `releaseIfEmpty`, after the store was seen without pending records, in one atomic batch guarded by
 * the update times read before that check. An event that lands meanwhile changes a shard's update
 * time (the delete fails, the store stays listed) or creates a shard not in the batch (it stays).
 * So a store with pending records is never unlisted; a store without any is released by the next
 * completion, empty load or sweep.
 *
 * Count: the sum of the shards is the number of product events not yet processed (a product touched
 * three times counts three), not the number of products. Ingest adds one per product per event,
 * exactly once (same commit as the records); completion subtracts each removed record's own `events`.
 * It drifts only when a record disappears without completion (a crash between the delete and the
 * decrement, the pending TTL) and is reset to exact whenever the store drains and is released.
 * It decides nothing: a store is skipped or released only after a query saw it empty.
 */
const PAGE = 1000;
/** Release checks a sweep runs at once (each a couple of indexed reads). */
const RELEASE_CONCURRENCY = 8;

export function createStoreIndex(db: Firestore, clock: { now(): number } = Date) {
  const shards = db.collection(COLLECTIONS.pendingStores);
  const pending = db.collection(COLLECTIONS.pending);
  const ref = (storeHash: string, shard: number) => shards.doc(`${storeHash}_${shard}`);
  const entry = (storeHash: string, shard: number, events: number) => ({
    storeHash,
    shard,
    events: FieldValue.increment(events),
    updatedAt: Timestamp.fromMillis(clock.now()),
  });
  const hasPending = async (storeHash: string) => !(await pending.where('storeHash', '==', storeHash).select().limit(1).get()).empty;

  /** Every listed store and its approximate count (may be ≤ 0 after drift), one paged read of the shards. */
  async function counts(): Promise<Map<string, number>> {
    const sums = new Map<string, number>();
    let last: string | undefined;
    for (;;) {
      let q = shards.orderBy(FieldPath.documentId()).select('storeHash', 'events').limit(PAGE);
      if (last !== undefined) q = q.startAfter(last);
      const page = await q.get();
      for (const d of page.docs) {
        const storeHash = d.get('storeHash') as string;
        sums.set(storeHash, (sums.get(storeHash) ?? 0) + ((d.get('events') as number | undefined) ?? 0));
      }
      if (page.size < PAGE) return sums;
      last = page.docs.at(-1)!.id;
    }
  }

  /**
   * Unlists the store if it has no pending record; true when it did (or it was not listed). Safe
   * against concurrent ingest (see the contract above); one indexed read when the store is busy.
   */
  async function releaseIfEmpty(storeHash: string): Promise<boolean> {
    if (await hasPending(storeHash)) return false;
    const snap = await shards.where('storeHash', '==', storeHash).get();
    if (await hasPending(storeHash)) return false;
    if (snap.empty) return true;
    const batch = db.batch();
    for (const d of snap.docs) batch.delete(d.ref, { lastUpdateTime: d.updateTime } satisfies Precondition);
    try {
      await batch.commit();
      return true;
    } catch (err) {
      // An event touched a shard after the check: the store has work again and stays listed.
      const code = grpcCode(err);
      if (code === GrpcStatus.FAILED_PRECONDITION || code === GrpcStatus.NOT_FOUND) return false;
      throw err;
    }
  }

  return {
    /** Adds the store's shard write to a commit that creates or touches its pending records. */
    add(batch: IndexWriter, storeHash: string, events: number, key: string): void {
      const shard = shardOf(key);
      batch.merge(ref(storeHash, shard), entry(storeHash, shard, events));
    },

    /** Adjusts the counter on its own (completion: a negative number). Any shard: only the sum matters. */
    async adjust(storeHash: string, events: number): Promise<void> {
      if (events === 0) return;
      const shard = Math.floor(Math.random() * INDEX_SHARDS);
      await ref(storeHash, shard).set(entry(storeHash, shard, events), { merge: true });
    },

    counts,
    releaseIfEmpty,

    /** Stores to sweep: listed with a positive count, or listed and found not empty (drift); the rest are released. */
    async storesWithWork(): Promise<string[]> {
      const sums = await counts();
      const limit = pLimit(RELEASE_CONCURRENCY);
      const keep = await Promise.all([...sums].map(([storeHash, n]) => limit(async () => (n > 0 || !(await releaseIfEmpty(storeHash)) ? storeHash : undefined))));
      return keep.filter((h): h is string => h !== undefined).sort();
    },
  };
}

export type StoreIndex = ReturnType<typeof createStoreIndex>;
