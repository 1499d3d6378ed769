import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Timestamp } from '@google-cloud/firestore';
import { createFirestoreEventStore } from '../../src/events/firestore-event-store.ts';
import { pendingDocId } from '../../src/firestore/document-ids.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { planOrThrow } from '../helpers/events.ts';
import type { BigCommerceEvent } from '../../src/bigcommerce/webhook-event.ts';
import { testFirestore } from '../helpers/firestore.ts';

const { db, reset } = testFirestore('demo-event-store');
const store = createFirestoreEventStore(db);
beforeEach(reset);
afterAll(() => db.terminate());

const HOUR = 3_600_000;
const ev = (scope: string, data: Record<string, unknown>, hash = 'h', storeHash = 's1') =>
  ({ event: { scope, producer: `stores/${storeHash}`, hash, created_at: 1_700_000_000, data } as BigCommerceEvent, storeHash, hash });
const plan = (e: ReturnType<typeof ev>, nowMs = 1_000_000_000_000, messageId = 'm') =>
  planOrThrow(e.event, { storeHash: e.storeHash, hash: e.hash, messageId, publishTime: undefined, nowMs, dedupeTtlMs: 72 * HOUR });

describe('FirestoreEventStore.record', () => {
  it('writes the marker with a Timestamp expiry for the TTL policy, and the pending product', async () => {
    const p = plan(ev('store/product/updated', { type: 'product', id: 5 }));
    expect(await store.record(p)).toBe('stored');
    const marker = await db.collection(COLLECTIONS.markers).doc(p.marker.id).get();
    expect(marker.get('expireAt')).toBeInstanceOf(Timestamp);
    expect((marker.get('expireAt') as Timestamp).toMillis()).toBe(1_000_000_000_000 + 72 * HOUR);
    expect(marker.get('scope')).toBe('store/product/updated');
    const pending = await db.collection(COLLECTIONS.pending).doc(pendingDocId('s1', 5)).get();
    expect(pending.data()).toMatchObject({ storeHash: 's1', productId: 5, scopes: ['store/product/updated'], events: 1, lastScope: 'store/product/updated' });
    expect(pending.get('deleteSeen')).toBeUndefined();
  });

  it('drops a duplicate and writes nothing else', async () => {
    const e = ev('store/product/updated', { type: 'product', id: 5 });
    expect(await store.record(plan(e, 1_000, 'first'))).toBe('stored');
    expect(await store.record(plan(e, 2_000, 'second'))).toBe('duplicate');
    const pending = await db.collection(COLLECTIONS.pending).doc(pendingDocId('s1', 5)).get();
    expect(pending.get('events')).toBe(1);
    expect((pending.get('lastSeenAt') as Timestamp).toMillis()).toBe(1_000);
  });

  it('lets exactly one of many concurrent duplicates win', async () => {
    const e = ev('store/product/updated', { type: 'product', id: 9 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.record(plan(e, 1_000 + i, `m${i}`))));
    expect(results.filter((r) => r === 'stored')).toHaveLength(1);
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(9);
    expect((await db.collection(COLLECTIONS.pending).doc(pendingDocId('s1', 9)).get()).get('events')).toBe(1);
  });

  it('merges successive events of one product, keeping its first createTime and remembering a delete', async () => {
    await store.record(plan(ev('store/product/created', { type: 'product', id: 7 }, 'a'), 1_000));
    const first = await db.collection(COLLECTIONS.pending).doc(pendingDocId('s1', 7)).get();
    await store.record(plan(ev('store/product/deleted', { type: 'product', id: 7 }, 'b'), 2_000));
    await store.record(plan(ev('store/product/updated', { type: 'product', id: 7 }, 'c'), 3_000));
    const doc = await db.collection(COLLECTIONS.pending).doc(pendingDocId('s1', 7)).get();
    expect(doc.createTime?.isEqual(first.createTime!)).toBe(true);
    expect(doc.data()).toMatchObject({ events: 3, deleteSeen: true, lastScope: 'store/product/updated' });
    expect(doc.get('scopes')).toEqual(['store/product/created', 'store/product/deleted', 'store/product/updated']);
    expect((doc.get('lastSeenAt') as Timestamp).toMillis()).toBe(3_000);
  });

  it('keeps the newest event time of a product whatever order its events arrive in', async () => {
    const at = (created_at: number, hash: string) =>
      planOrThrow({ scope: 'store/product/updated', producer: 'stores/s1', hash, created_at, data: { type: 'product', id: 21 } }, {
        storeHash: 's1', hash, messageId: hash, publishTime: undefined, nowMs: 1_000, dedupeTtlMs: HOUR,
      });
    await store.record(at(1_700_000_050, 'late'));
    await store.record(at(1_700_000_010, 'early')); // time-travelling: older event arrives last
    const doc = await db.collection(COLLECTIONS.pending).doc(pendingDocId('s1', 21)).get();
    expect(doc.get('newestEventCreatedAt')).toBe(1_700_000_050);
    expect(doc.get('lastEventCreatedAt')).toBe(1_700_000_010);
  });

  it('is atomic: when the marker create fails, the pending write of the same batch is not applied', async () => {
    const e = ev('store/product/updated', { type: 'product', id: 11 });
    await store.record(plan(e));
    await db.collection(COLLECTIONS.pending).doc(pendingDocId('s1', 11)).delete();
    expect(await store.record(plan(e))).toBe('duplicate');
    expect((await db.collection(COLLECTIONS.pending).doc(pendingDocId('s1', 11)).get()).exists).toBe(false);
  });

  it('marks a store uninstalled in the same commit as the marker', async () => {
    await store.record(plan(ev('store/app/uninstalled', { type: 'store' }, 'u', 'gone')));
    expect((await db.collection(COLLECTIONS.stores).doc('gone').get()).get('status')).toBe('uninstalled');
  });

  it('turns a write Firestore refuses (INVALID_ARGUMENT) into a non-retryable EVENT_STORE_REFUSED, writing nothing', async () => {
    // Ingest refuses such store hashes before; this is the adapter's own guard for what slips through.
    const p = plan(ev('store/app/uninstalled', { type: 'store' }, 'r', '__x__'));
    await expect(store.record(p)).rejects.toMatchObject({ code: 'EVENT_STORE_REFUSED', retryable: false, details: { grpcCode: 3 } });
    expect((await db.collection(COLLECTIONS.markers).doc(p.marker.id).get()).exists).toBe(false);
  });

  it('refuses, non-retryably, a write the SDK itself rejects before sending it (an invalid document path)', async () => {
    const p = plan(ev('store/product/updated', { type: 'product', id: 5 }));
    await expect(store.record({ ...p, marker: { ...p.marker, id: 'a/b' } })).rejects.toMatchObject({ code: 'EVENT_STORE_REFUSED', retryable: false });
    expect((await db.collection(COLLECTIONS.pending).get()).size).toBe(0);
  });

  it('records an unhandled scope as a marker only', async () => {
    const p = plan(ev('store/order/created', { type: 'order', id: 1 }));
    expect(await store.record(p)).toBe('stored');
    expect((await db.collection(COLLECTIONS.markers).doc(p.marker.id).get()).exists).toBe(true);
    expect((await db.collection(COLLECTIONS.pending).get()).size).toBe(0);
  });
});

describe('FirestoreEventStore.recordRejection', () => {
  it('keeps one bounded record per message id', async () => {
    const r = { reason: 'message data is not JSON', messageId: 'a/b', sample: 'x'.repeat(10), receivedAtMs: 1, expireAtMs: 2 };
    await store.recordRejection(r);
    await store.recordRejection(r);
    const all = await db.collection(COLLECTIONS.rejections).get();
    expect(all.size).toBe(1);
    expect(all.docs[0]!.data()).toMatchObject({ reason: 'message data is not JSON', messageId: 'a/b', sample: 'x'.repeat(10) });
    expect(all.docs[0]!.get('expireAt')).toBeInstanceOf(Timestamp);
  });
});

describe('FirestoreEventStore.pendingCounts', () => {
  it('counts the product events not yet processed per store, from the store index', async () => {
    for (const [s, id] of [['a', 1], ['a', 2], ['b', 1], ['c', 5], ['a', 2]] as const) {
      await store.record(plan(ev('store/product/updated', { type: 'product', id }, `${s}${id}${Math.random()}`, s)));
    }
    // Product a/2 was touched twice: two events, one record (the count is of events, by design).
    expect(await store.pendingCounts()).toEqual({ a: 3, b: 1, c: 1 });
    expect((await db.collection(COLLECTIONS.pending).where('storeHash', '==', 'a').get()).size).toBe(2);
  });

  it('counts a duplicate once', async () => {
    const e = ev('store/product/updated', { type: 'product', id: 3 }, 'dup', 'd');
    await store.record(plan(e, 1, 'x'));
    await store.record(plan(e, 2, 'y'));
    expect(await store.pendingCounts()).toEqual({ d: 1 });
  });
  it('is empty with nothing pending', async () => expect(await store.pendingCounts()).toEqual({}));
});
