import { FieldValue, Timestamp, type DocumentSnapshot, type Firestore, type Precondition } from '@google-cloud/firestore';
import { GrpcStatus, grpcCode } from '../errors.ts';
import { COLLECTIONS } from '../firestore/collections.ts';
import { distinctStoreHashes } from '../firestore/distinct-store-hashes.ts';
import { pendingDocId } from '../firestore/document-ids.ts';
import { timestampMillis } from '../firestore/timestamps.ts';
import type { PendingProduct, PendingStore } from './pending-store.ts';

const GIVEN_UP_TTL_MS = 30 * 24 * 3_600_000;

const versionOf = (ts: Timestamp) => `${ts.seconds}.${String(ts.nanoseconds).padStart(9, '0')}`;
const timestampOf = (version: string) => {
  const [s, n] = version.split('.');
  return new Timestamp(Number(s), Number(n));
};
const millis = timestampMillis;

function toPending(doc: DocumentSnapshot): PendingProduct {
  return {
    productId: doc.get('productId') as number,
    version: versionOf(doc.updateTime!),
    lastSeenAtMs: millis(doc.get('lastSeenAt')) ?? doc.createTime!.toMillis(),
    waitingSinceMs: doc.createTime!.toMillis(),
    deleteSeen: doc.get('deleteSeen') === true,
    newestEventAtMs: typeof doc.get('newestEventCreatedAt') === 'number' ? (doc.get('newestEventCreatedAt') as number) * 1000 : undefined,
    attempts: (doc.get('attempts') as number | undefined) ?? 0,
    notBeforeMs: millis(doc.get('notBefore')),
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

export function createFirestorePendingStore(db: Firestore, clock: { now(): number } = Date): PendingStore {
  const pending = db.collection(COLLECTIONS.pending);
  const givenUp = db.collection(COLLECTIONS.givenUp);
  const ref = (storeHash: string, productId: number) => pending.doc(pendingDocId(storeHash, productId));
  const pre = (version: string): Precondition => ({ lastUpdateTime: timestampOf(version) });

  return {
    stores: () => distinctStoreHashes(pending),

    async load(storeHash) {
      const snap = await pending.where('storeHash', '==', storeHash).get();
      return snap.docs.map(toPending);
    },

    async complete(storeHash, items) {
      const r = await conditionalWrites(
        db,
        items.map((i) => (bw) => bw.delete(ref(storeHash, i.productId), pre(i.version))),
      );
      return { removed: r.ok, kept: r.kept };
    },

    async defer(storeHash, items) {
      const r = await conditionalWrites(
        db,
        items.map((i) => (bw) => bw.update(ref(storeHash, i.productId), { attempts: i.attempts, notBefore: Timestamp.fromMillis(i.notBeforeMs) }, pre(i.version))),
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
      const batch = db.batch();
      for (const i of gone) {
        batch.set(givenUp.doc(pendingDocId(storeHash, i.productId)), {
          storeHash,
          productId: i.productId,
          attempts: i.attempts,
          reason,
          at: Timestamp.fromMillis(now),
          expireAt: Timestamp.fromMillis(now + GIVEN_UP_TTL_MS),
        });
      }
      if (gone.length > 0) await batch.commit();
      return gone.length;
    },

    async enqueue(storeHash, productIds, reason, nowMs) {
      const ids = [...new Set(productIds)];
      const r = await conditionalWrites(
        db,
        ids.map(
          (productId) => (bw) =>
            bw.set(
              ref(storeHash, productId),
              { storeHash, productId, lastSeenAt: Timestamp.fromMillis(nowMs), lastScope: reason, scopes: FieldValue.arrayUnion(reason), events: FieldValue.increment(1) },
              { merge: true },
            ),
        ),
      );
      return r.ok;
    },

    async dropStore(storeHash) {
      const refs = (await pending.where('storeHash', '==', storeHash).select().get()).docs.map((d) => d.ref);
      const r = await conditionalWrites(
        db,
        refs.map((d) => (bw) => bw.delete(d)),
      );
      return r.ok;
    },
  };
}
