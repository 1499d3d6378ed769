import { FieldValue, Timestamp, type DocumentData, type DocumentReference, type Firestore } from '@google-cloud/firestore';
import { AppError, ErrorCode, GrpcStatus, grpcCode } from '../errors.ts';
import { COLLECTIONS } from '../firestore/collections.ts';
import { createStoreIndex } from './store-index.ts';
import { PENDING_TTL_MS } from './pending-store.ts';
import type { DroppedStore, EventStore, RecordOptions, Rejection } from './event-store.ts';
import { chunkMarkerId, layoutWrites, type Chunk, type EventPlan, type Marker, type PendingTouch, type StoreEffect } from './plan-event-writes.ts';
import { movesDateModified } from '../bigcommerce/date-modified-scopes.ts';

import { pendingDocId } from '../firestore/document-ids.ts';

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
    return new AppError(ErrorCode.EVENT_STORE_REFUSED, err instanceof Error ? err.message : String(err), { retryable: false, cause: err, details: { grpcCode: code } });
  }
  return err;
}

/**
 * Runs the building of a batch: the SDK validates paths and values there, before any I/O, and throws
 * a plain Error for what Firestore could never store. That is the event's fault, not Firestore's.
 */
function refuseInvalid(build: () => void): void {
  try {
    build();
  } catch (err) {
    throw new AppError(ErrorCode.EVENT_STORE_REFUSED, err instanceof Error ? err.message : String(err), { retryable: false, cause: err });
  }
}

/** What a commit hook sees: which commit of an event and how many writes it holds. */
export interface CommitInfo {
  kind: 'one-commit' | 'chunk' | 'marker';
  writes: number;
}

export interface FirestoreEventStoreOptions {
  /**
   * Called before every commit of `record`; a rejection aborts that commit. For observability and
   * for tests that force a failure midway through a large event.
   */
  beforeCommit?: (info: CommitInfo) => void | Promise<void>;
}

/** /status lists the stores whose work was dropped most recently, up to this many. */
const DROPPED_LISTED = 100;

/** Large events commit their chunks this many at a time: faster than one by one, memory stays small. */
const CHUNK_CONCURRENCY = 2;

/** Firestore adapter of EventStore. See plan-event-writes.ts for the atomicity contract. */
// eslint-disable-next-line max-lines-per-function -- the adapter closure: record (one commit or chunks, then the marker), rejections and the /status reads share the collections and the store index
export function createFirestoreEventStore(db: Firestore, opts: FirestoreEventStoreOptions = {}): EventStore {
  const markers = db.collection(COLLECTIONS.markers);
  const chunkMarkers = db.collection(COLLECTIONS.eventChunks);
  const pending = db.collection(COLLECTIONS.pending);
  const rejections = db.collection(COLLECTIONS.rejections);
  const stores = db.collection(COLLECTIONS.stores);
  const index = createStoreIndex(db);

  /** A WriteBatch that counts its writes, so the hook (and the tests) see the real commit size. */
  function counted() {
    const batch = db.batch();
    let writes = 0;
    return {
      create(ref: DocumentReference, data: DocumentData) {
        batch.create(ref, data);
        writes++;
      },
      merge(ref: DocumentReference, data: DocumentData) {
        batch.set(ref, data, { merge: true });
        writes++;
      },
      async commit(kind: CommitInfo['kind']) {
        await opts.beforeCommit?.({ kind, writes });
        await batch.commit();
      },
    };
  }
  type Counted = ReturnType<typeof counted>;

  const markerData = (m: Marker) => ({
    storeHash: m.storeHash,
    scope: m.scope,
    hash: m.hash,
    messageId: m.messageId ?? null,
    publishTime: m.publishTime ?? null,
    eventCreatedAt: m.eventCreatedAt ?? null,
    receivedAt: Timestamp.fromMillis(m.receivedAtMs),
    expireAt: Timestamp.fromMillis(m.expireAtMs),
  });

  function addPending(batch: Counted, touch: PendingTouch, start: number, end: number): void {
    // What every record of this event gets, built once (a large event has up to ~500k ids).
    const common = {
      storeHash: touch.storeHash,
      lastSeenAt: Timestamp.fromMillis(touch.seenAtMs),
      lastScope: touch.scope,
      scopes: FieldValue.arrayUnion(touch.scope),
      events: FieldValue.increment(1),
      // The newest event time (BigCommerce's created_at, seconds), whatever order events arrive
      // in: a read whose date_modified is older than this is stale and read again later.
      ...(touch.eventCreatedAt !== undefined ? { lastEventCreatedAt: touch.eventCreatedAt, newestEventCreatedAt: FieldValue.maximum(touch.eventCreatedAt) } : {}),
      // Only changes documented to move date_modified make a read stale (bigcommerce/date-modified-scopes.ts).
      ...(touch.eventCreatedAt !== undefined && movesDateModified(touch.scope) ? { newestChangeEventCreatedAt: FieldValue.maximum(touch.eventCreatedAt) } : {}),
      ...(touch.deleted ? { deleteSeen: true } : {}),
      // Refreshed by every event: only a record nobody processed for PENDING_TTL_MS expires.
      expireAt: Timestamp.fromMillis(touch.seenAtMs + PENDING_TTL_MS),
    };
    for (let k = start; k < end; k++) {
      const productId = touch.productIds[k]!;
      // set+merge keeps the document's createTime from its first event: the flusher reads the
      // oldest createTime as "waiting since" for the max-wait cap, lastSeenAt for the quiet window.
      batch.merge(pending.doc(pendingDocId(touch.storeHash, productId)), { ...common, productId });
    }
  }

  function addEffects(batch: Counted, effects: readonly StoreEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'store-uninstalled':
          batch.merge(stores.doc(e.storeHash), { storeHash: e.storeHash, status: 'uninstalled', uninstalledAt: Timestamp.fromMillis(e.atMs), uninstallEventCreatedAt: e.eventCreatedAt ?? null });
          break;
      }
    }
  }

  /** The common case: everything in one atomic commit led by the marker's create(). */
  async function recordInOneCommit(plan: EventPlan): Promise<'stored' | 'duplicate'> {
    const batch = counted();
    refuseInvalid(() => {
      batch.create(markers.doc(plan.marker.id), markerData(plan.marker));
      if (plan.pending) {
        addPending(batch, plan.pending, 0, plan.pending.productIds.length);
        index.add(batch, plan.pending.storeHash, plan.pending.productIds.length, plan.marker.id);
      }
      addEffects(batch, plan.effects);
    });
    try {
      await batch.commit('one-commit');
      return 'stored';
    } catch (err) {
      if (grpcCode(err) === GrpcStatus.ALREADY_EXISTS) return 'duplicate';
      throw err;
    }
  }

  /**
   * A large event (plan-event-writes.ts `layoutWrites`): chunks first, each exactly once thanks to its
   * chunk marker, then the event marker. Stops issuing chunks on the first failure or when `signal`
   * aborts (the push path's budget); the redelivery picks up from the chunk markers.
   */
  async function recordInChunks(plan: EventPlan, touch: PendingTouch, chunks: readonly Chunk[], signal: AbortSignal | undefined): Promise<'stored' | 'duplicate'> {
    const markerRef = markers.doc(plan.marker.id);
    if ((await markerRef.get()).exists) return 'duplicate';
    const done = new Set((await chunkMarkers.where('eventId', '==', plan.marker.id).select().get()).docs.map((d) => d.id));
    const todo = chunks.filter((c) => !done.has(chunkMarkerId(plan.marker.id, c)));

    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (!failure && next < todo.length) {
        const chunk = todo[next++]!;
        if (signal?.aborted) {
          failure = { error: new AppError(ErrorCode.EVENT_STORE_TIMEOUT, 'large event not stored within its budget; the redelivery resumes it', { retryable: true }) };
          return;
        }
        const batch = counted();
        const chunkId = chunkMarkerId(plan.marker.id, chunk);
        try {
          refuseInvalid(() => {
            batch.create(chunkMarkers.doc(chunkId), {
              eventId: plan.marker.id,
              storeHash: touch.storeHash,
              index: chunk.index,
              products: chunk.end - chunk.start,
              expireAt: Timestamp.fromMillis(plan.marker.expireAtMs),
            });
            addPending(batch, touch, chunk.start, chunk.end);
            index.add(batch, touch.storeHash, chunk.end - chunk.start, chunkId);
          });
          await batch.commit('chunk');
        } catch (err) {
          // A concurrent delivery of the same event committed this chunk first: it is done.
          if (grpcCode(err) !== GrpcStatus.ALREADY_EXISTS) failure ??= { error: err };
        }
      }
    };
    await Promise.all(Array.from({ length: CHUNK_CONCURRENCY }, worker));
    if (failure) throw failure.error;

    const batch = counted();
    refuseInvalid(() => {
      batch.create(markerRef, markerData(plan.marker));
      addEffects(batch, plan.effects);
    });
    try {
      await batch.commit('marker');
      return 'stored';
    } catch (err) {
      if (grpcCode(err) === GrpcStatus.ALREADY_EXISTS) return 'duplicate';
      throw err;
    }
  }

  return {
    async record(plan: EventPlan, recordOpts: RecordOptions = {}) {
      try {
        const layout = layoutWrites(plan);
        if (layout.kind === 'one-commit' || !plan.pending) return await recordInOneCommit(plan);
        return await recordInChunks(plan, plan.pending, layout.chunks, recordOpts.signal);
      } catch (err) {
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

    async droppedStores() {
      const snap = await db.collection(COLLECTIONS.droppedStores).orderBy('lastDroppedAt', 'desc').limit(DROPPED_LISTED).get();
      const out: Record<string, DroppedStore> = {};
      for (const d of snap.docs) {
        out[d.id] = { reason: d.get('reason') as DroppedStore['reason'], records: (d.get('records') as number | undefined) ?? 0, lastDroppedAt: (d.get('lastDroppedAt') as Timestamp).toDate().toISOString() };
      }
      return out;
    },

    async pendingCounts() {
      // From the store index: O(stores), approximate (see store-index.ts); stores at zero are left out.
      const counts: Record<string, number> = {};
      for (const [storeHash, n] of [...(await index.counts())].sort(([a], [b]) => a.localeCompare(b))) if (n > 0) counts[storeHash] = n;
      return counts;
    },
  };
}
