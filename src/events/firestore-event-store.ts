import { FieldValue, Timestamp, type CollectionReference, type Firestore } from '@google-cloud/firestore';
import { AppError, GrpcStatus, grpcCode } from '../errors.ts';
import { COLLECTIONS } from '../firestore/collections.ts';
import type { EventStore, Rejection } from './event-store.ts';
import type { EventPlan } from './plan-event-writes.ts';

export const pendingDocId = (storeHash: string, productId: number) => `${storeHash}_${productId}`;

/** Store hashes present in a collection, by skip-scan: one indexed read per store, not per document. */
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

/** Status codes with which Firestore refuses the request itself: sending it again cannot succeed. */
const PERMANENT_CODES: ReadonlySet<number> = new Set([GrpcStatus.INVALID_ARGUMENT, GrpcStatus.OUT_OF_RANGE]);

/**
 * Classifies a failed write for the push path: INVALID_ARGUMENT and OUT_OF_RANGE (a key path too
 * long, a reserved document id, a request too large) become a non-retryable AppError
 * EVENT_STORE_REFUSED; anything else (unavailable, deadline, permission, quota) stays as it is and
 * counts as transient, because it can pass once Firestore or its configuration recovers.
 */
export function classifyStoreError(err: unknown): unknown {
  const code = grpcCode(err);
  if (code !== undefined && PERMANENT_CODES.has(code)) {
    return new AppError('EVENT_STORE_REFUSED', err instanceof Error ? err.message : String(err), { retryable: false, cause: err, details: { grpcCode: code } });
  }
  return err;
}

/** Firestore adapter of EventStore. See plan-event-writes.ts for the atomicity contract. */
export function createFirestoreEventStore(db: Firestore): EventStore {
  const markers = db.collection(COLLECTIONS.markers);
  const pending = db.collection(COLLECTIONS.pending);
  const rejections = db.collection(COLLECTIONS.rejections);
  const stores = db.collection(COLLECTIONS.stores);

  return {
    async record(plan: EventPlan) {
      const batch = db.batch();
      const m = plan.marker;
      batch.create(markers.doc(m.id), {
        storeHash: m.storeHash,
        scope: m.scope,
        hash: m.hash,
        messageId: m.messageId ?? null,
        publishTime: m.publishTime ?? null,
        eventCreatedAt: m.eventCreatedAt ?? null,
        receivedAt: Timestamp.fromMillis(m.receivedAtMs),
        expireAt: Timestamp.fromMillis(m.expireAtMs),
      });
      for (const p of plan.pending) {
        // set+merge keeps the document's createTime from its first event: the flusher reads the
        // oldest createTime as "waiting since" for the max-wait cap, lastSeenAt for the quiet window.
        batch.set(
          pending.doc(pendingDocId(p.storeHash, p.productId)),
          {
            storeHash: p.storeHash,
            productId: p.productId,
            lastSeenAt: Timestamp.fromMillis(p.seenAtMs),
            lastScope: p.scope,
            scopes: FieldValue.arrayUnion(p.scope),
            events: FieldValue.increment(1),
            // The newest event time (BigCommerce's created_at, seconds), whatever order events arrive
            // in: a read whose date_modified is older than this is stale and read again later.
            ...(p.eventCreatedAt !== undefined ? { lastEventCreatedAt: p.eventCreatedAt, newestEventCreatedAt: FieldValue.maximum(p.eventCreatedAt) } : {}),
            ...(p.deleted ? { deleteSeen: true } : {}),
          },
          { merge: true },
        );
      }
      for (const e of plan.effects) {
        switch (e.kind) {
          case 'store-uninstalled':
            batch.set(
              stores.doc(e.storeHash),
              { storeHash: e.storeHash, status: 'uninstalled', uninstalledAt: Timestamp.fromMillis(e.atMs), uninstallEventCreatedAt: e.eventCreatedAt ?? null },
              { merge: true },
            );
            break;
        }
      }
      try {
        await batch.commit();
        return 'stored';
      } catch (err) {
        if (grpcCode(err) === GrpcStatus.ALREADY_EXISTS) return 'duplicate';
        throw classifyStoreError(err);
      }
    },

    async recordRejection(r: Rejection) {
      const data = {
        reason: r.reason.slice(0, 1000),
        messageId: r.messageId ?? null,
        sample: r.sample,
        receivedAt: Timestamp.fromMillis(r.receivedAtMs),
        expireAt: Timestamp.fromMillis(r.expireAtMs),
      };
      const ref = r.messageId ? rejections.doc(`msg-${r.messageId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200)}`) : rejections.doc();
      await ref.set(data);
    },

    async pendingCounts() {
      const counts: Record<string, number> = {};
      for (const storeHash of await distinctStoreHashes(pending)) {
        counts[storeHash] = (await pending.where('storeHash', '==', storeHash).count().get()).data().count;
      }
      return counts;
    },
  };
}
