import { FieldValue, Timestamp, type DocumentSnapshot, type Firestore, type Precondition } from '@google-cloud/firestore';
import { GrpcStatus, grpcCode } from '../errors.ts';
import { COLLECTIONS } from '../firestore/collections.ts';
import { pendingDocId } from '../firestore/document-ids.ts';
import { timestampMillis } from '../firestore/timestamps.ts';
import { PENDING_TTL_MS, type LoadedPending, type PendingStore } from './pending-store.ts';
import { createStoreIndex } from './store-index.ts';
import { MAX_WRITES_PER_COMMIT } from './plan-event-writes.ts';

const GIVEN_UP_TTL_MS = 30 * 24 * 3_600_000;
const DROPPED_TTL_MS = 30 * 24 * 3_600_000;

const versionOf = (ts: Timestamp) => `${ts.seconds}.${String(ts.nanoseconds).padStart(9, '0')}`;
const timestampOf = (version: string) => {
  const [s, n] = version.split('.');
  return new Timestamp(Number(s), Number(n));
};
const millis = timestampMillis;

function toPending(doc: DocumentSnapshot): LoadedPending {
  return {
    events: (doc.get('events') as number | undefined) ?? 1,
    productId: doc.get('productId') as number,
    version: versionOf(doc.updateTime!),
    lastSeenAtMs: millis(doc.get('lastSeenAt')) ?? doc.createTime!.toMillis(),
    waitingSinceMs: doc.createTime!.toMillis(),
    deleteSeen: doc.get('deleteSeen') === true,
    newestEventAtMs: typeof doc.get('newestEventCreatedAt') === 'number' ? (doc.get('newestEventCreatedAt') as number) * 1000 : undefined,
    newestChangeEventAtMs: typeof doc.get('newestChangeEventCreatedAt') === 'number' ? (doc.get('newestChangeEventCreatedAt') as number) * 1000 : undefined,
    attempts: (doc.get('attempts') as number | undefined) ?? 0,
    staleRereads: (doc.get('staleRereads') as number | undefined) ?? 0,
    notBeforeMs: millis(doc.get('notBefore')),
    scopes: Array.isArray(doc.get('scopes')) ? (doc.get('scopes') as unknown[]).filter((x): x is string => typeof x === 'string') : [],
    lastScope: typeof doc.get('lastScope') === 'string' ? (doc.get('lastScope') as string) : undefined,
  };
}

/**
 * Runs one precondition write per record through a BulkWriter (not atomic, per-write results):
 * FAILED_PRECONDITION / NOT_FOUND mean "touched meanwhile" or "already gone", anything else throws.
 */
async function conditionalWrites(db: Firestore, writes: ((bw: ReturnType<Firestore['bulkWriter']>) => Promise<unknown>)[]): Promise<{ ok: number; kept: number; results: ('ok' | 'kept')[] }> {
  if (writes.length === 0) return { ok: 0, kept: 0, results: [] };
  const bw = db.bulkWriter({ throttling: false });
  bw.onWriteError((e) => e.failedAttempts < 5 && Number(e.code) !== GrpcStatus.FAILED_PRECONDITION && Number(e.code) !== GrpcStatus.NOT_FOUND);
  const results = writes.map((w) =>
    w(bw).then(
      () => 'ok' as const,
      (e: unknown) => {
        const code = grpcCode(e);
        if (code === GrpcStatus.FAILED_PRECONDITION || code === GrpcStatus.NOT_FOUND) return 'kept' as const;
        throw e;
      },
    ),
  );
  await bw.close();
  const settled = await Promise.all(results);
  return { ok: settled.filter((r) => r === 'ok').length, kept: settled.filter((r) => r === 'kept').length, results: settled };
}

/** Records deleted per page when a store's pending work is dropped (bounded memory, one commit each). */
const DROP_PAGE = MAX_WRITES_PER_COMMIT;

// eslint-disable-next-line max-lines-per-function -- one short method per PendingStore operation over the same collection and store index; each guarded by the version it read
export function createFirestorePendingStore(db: Firestore, clock: { now(): number } = Date): PendingStore {
  const pending = db.collection(COLLECTIONS.pending);
  const givenUp = db.collection(COLLECTIONS.givenUp);
  const drops = db.collection(COLLECTIONS.droppedStores);
  const index = createStoreIndex(db, clock);
  const ref = (storeHash: string, productId: number) => pending.doc(pendingDocId(storeHash, productId));
  const pre = (version: string): Precondition => ({ lastUpdateTime: timestampOf(version) });
  /** What the removed records had added to the store index (a record from before the index counts one). */
  const eventsOf = (items: readonly { events?: number }[], results: readonly ('ok' | 'kept')[]) => items.reduce((sum, i, k) => sum + (results[k] === 'ok' ? (i.events ?? 1) : 0), 0);

  /** After records were removed: take their events off the store's count, unlist the store if it drained. */
  async function settleIndex(storeHash: string, removedEvents: number): Promise<void> {
    await index.adjust(storeHash, -removedEvents);
    await index.releaseIfEmpty(storeHash);
  }

  return {
    stores: () => index.storesWithWork(),

    async load(storeHash) {
      const snap = await pending.where('storeHash', '==', storeHash).get();
      // Listed without records (they expired, or a release lost a race): unlist it here.
      if (snap.empty) await index.releaseIfEmpty(storeHash);
      return snap.docs.map(toPending);
    },

    async page(storeHash, opts) {
      let q = pending.where('storeHash', '==', storeHash).where('productId', '>', opts.afterProductId);
      if (opts.maxProductId !== undefined) q = q.where('productId', '<=', opts.maxProductId);
      const snap = await q.orderBy('productId').limit(opts.limit).get();
      return snap.docs.map(toPending);
    },

    async complete(storeHash, items) {
      const r = await conditionalWrites(
        db,
        items.map((i) => (bw) => bw.delete(ref(storeHash, i.productId), pre(i.version))),
      );
      if (r.ok > 0) await settleIndex(storeHash, eventsOf(items, r.results));
      return { removed: r.ok, kept: r.kept };
    },

    async defer(storeHash, items) {
      const r = await conditionalWrites(
        db,
        items.map((i) => (bw) => bw.update(ref(storeHash, i.productId), { attempts: i.attempts, notBefore: Timestamp.fromMillis(i.notBeforeMs), ...(i.staleRereads !== undefined ? { staleRereads: i.staleRereads } : {}) }, pre(i.version))),
      );
      return { deferred: r.ok, kept: r.kept };
    },

    async giveUp(storeHash, items, reason) {
      const now = clock.now();
      // Remove first (guarded): a product touched meanwhile stays pending and is not given up.
      const removed = await conditionalWrites(
        db,
        items.map((i) => (bw) => bw.delete(ref(storeHash, i.productId), pre(i.version))),
      );
      const gone = items.filter((_, k) => removed.results[k] === 'ok');
      for (let start = 0; start < gone.length; start += MAX_WRITES_PER_COMMIT) {
        const batch = db.batch();
        for (const i of gone.slice(start, start + MAX_WRITES_PER_COMMIT)) {
          batch.set(givenUp.doc(pendingDocId(storeHash, i.productId)), {
            storeHash,
            productId: i.productId,
            attempts: i.attempts,
            reason,
            at: Timestamp.fromMillis(now),
            expireAt: Timestamp.fromMillis(now + GIVEN_UP_TTL_MS),
          });
        }
        await batch.commit();
      }
      if (gone.length > 0) await settleIndex(storeHash, eventsOf(items, removed.results));
      return gone.length;
    },

    async enqueue(storeHash, productIds, reason, nowMs) {
      const ids = [...new Set(productIds)];
      // Atomic commits of records + their index shard, like ingest: a store with records is always listed.
      const perCommit = MAX_WRITES_PER_COMMIT - 1;
      for (let start = 0; start < ids.length; start += perCommit) {
        const chunk = ids.slice(start, start + perCommit);
        const batch = db.batch();
        for (const productId of chunk) {
          batch.set(
            ref(storeHash, productId),
            {
              storeHash,
              productId,
              lastSeenAt: Timestamp.fromMillis(nowMs),
              lastScope: reason,
              scopes: FieldValue.arrayUnion(reason),
              events: FieldValue.increment(1),
              expireAt: Timestamp.fromMillis(nowMs + PENDING_TTL_MS),
            },
            { merge: true },
          );
        }
        index.add({ merge: (r, d) => batch.set(r, d, { merge: true }) }, storeHash, chunk.length, `${reason}:${nowMs}:${chunk[0]!}`);
        await batch.commit();
      }
      return ids.length;
    },

    async dropStore(storeHash, reason = 'uninstalled') {
      // Page by page: a store may hold hundreds of thousands of records.
      let dropped = 0;
      for (;;) {
        const page = await pending.where('storeHash', '==', storeHash).select().limit(DROP_PAGE).get();
        if (page.empty) break;
        const batch = db.batch();
        for (const d of page.docs) batch.delete(d.ref);
        await batch.commit();
        dropped += page.size;
      }
      await index.releaseIfEmpty(storeHash);
      if (dropped > 0) {
        const now = clock.now();
        await drops.doc(storeHash).set(
          { storeHash, reason, records: FieldValue.increment(dropped), drops: FieldValue.increment(1), lastDroppedAt: Timestamp.fromMillis(now), expireAt: Timestamp.fromMillis(now + DROPPED_TTL_MS) },
          { merge: true },
        );
      }
      return dropped;
    },
  };
}
