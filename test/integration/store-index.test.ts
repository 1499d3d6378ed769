// The store index (src/events/store-index.ts) on the emulator: stores with pending work and roughly
// how much, kept by ingest and completion; never unlists a store that has records, never leaks one
// that has none.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createFirestoreEventStore } from '../../src/events/firestore-event-store.ts';
import { createFirestorePendingStore } from '../../src/events/firestore-pending-store.ts';
import { createStoreIndex, INDEX_SHARDS, shardOf } from '../../src/events/store-index.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { systemClock } from '../../src/clock.ts';
import type { BigCommerceEvent } from '../../src/bigcommerce/webhook-event.ts';
import { planOrThrow } from '../helpers/events.ts';
import { testFirestore } from '../helpers/firestore.ts';

const { db, reset } = testFirestore('demo-store-index');
const events = createFirestoreEventStore(db);
const pending = createFirestorePendingStore(db, systemClock);
const index = createStoreIndex(db);
beforeEach(reset);
afterAll(() => db.terminate());

let n = 0;
async function touch(storeHash: string, productIds: number[]) {
  n++;
  const event = { scope: 'store/modifier/updated', producer: `stores/${storeHash}`, hash: `h${n}`, data: { type: 'shared_modifier', id: 1, affected_product_ids: productIds } } as BigCommerceEvent;
  await events.record(planOrThrow(event, { storeHash, hash: `h${n}`, messageId: `m${n}`, publishTime: undefined, nowMs: Date.now(), dedupeTtlMs: 1e6 }));
}
const shardDocs = async (storeHash: string) => (await db.collection(COLLECTIONS.pendingStores).where('storeHash', '==', storeHash).get()).docs;

describe('store index', () => {
  it('spreads writes over its shards', () => {
    const used = new Set(Array.from({ length: 400 }, (_, i) => shardOf(`key-${i}`)));
    expect(used).toEqual(new Set(Array.from({ length: INDEX_SHARDS }, (_, i) => i)));
  });

  it('lists the stores ingest touched, with their event counts, from the index alone', async () => {
    await touch('a', [1, 2, 3]);
    await touch('a', [3]);
    await touch('b', [9]);
    expect(await pending.stores()).toEqual(['a', 'b']);
    expect(await events.pendingCounts()).toEqual({ a: 4, b: 1 });
    // The index knows nothing the records do not: delete a record behind its back and the count stays.
    expect((await shardDocs('a')).reduce((s, d) => s + (d.get('events') as number), 0)).toBe(4);
  });

  it('a large event counts each of its products once, chunks included', async () => {
    await touch('big', Array.from({ length: 1_200 }, (_, i) => i + 1));
    expect(await events.pendingCounts()).toEqual({ big: 1_200 });
    expect((await shardDocs('big')).length).toBeGreaterThan(1);
  });

  it('completion takes each record’s events off, and a drained store leaves the index', async () => {
    await touch('c', [1, 2]);
    await touch('c', [2]);
    await touch('d', [1]);
    const loaded = await pending.load('c');
    expect(loaded.map((p) => [p.productId, p.events]).sort()).toEqual([
      [1, 1],
      [2, 2],
    ]);
    await pending.complete('c', loaded.filter((p) => p.productId === 2));
    expect(await events.pendingCounts()).toEqual({ c: 1, d: 1 });
    await pending.complete('c', await pending.load('c'));
    expect(await events.pendingCounts()).toEqual({ d: 1 });
    expect(await shardDocs('c')).toHaveLength(0);
    expect(await pending.stores()).toEqual(['d']);
  });

  it('a record touched during the flush keeps its store listed and counted', async () => {
    await touch('e', [1, 2]);
    const read = await pending.load('e');
    await touch('e', [2]); // arrives while the flush is working
    expect(await pending.complete('e', read)).toEqual({ removed: 1, kept: 1 });
    expect(await pending.stores()).toEqual(['e']);
    expect(await events.pendingCounts()).toEqual({ e: 2 });
  });

  it('giving up and dropping a store settle the index too', async () => {
    await touch('f', [1]);
    await touch('g', [1, 2, 3]);
    const [f1] = await pending.load('f');
    expect(await pending.giveUp('f', [{ ...f1!, attempts: 6 }], 'not found')).toBe(1);
    expect(await pending.dropStore('g')).toBe(3);
    expect(await pending.stores()).toEqual([]);
    expect(await events.pendingCounts()).toEqual({});
    expect(await db.collection(COLLECTIONS.pendingStores).count().get().then((s) => s.data().count)).toBe(0);
  });

  it('backfill (enqueue) lists and counts its store like ingest', async () => {
    expect(await pending.enqueue('h', Array.from({ length: 700 }, (_, i) => i + 1), 'backfill', Date.now())).toBe(700);
    expect(await events.pendingCounts()).toEqual({ h: 700 });
    expect(await pending.stores()).toEqual(['h']);
  });

  it('never unlists a store that still has records, whatever its count says', async () => {
    await touch('i', [1]);
    await index.adjust('i', -5); // drift: the count went to -4
    expect(await index.releaseIfEmpty('i')).toBe(false);
    expect(await pending.stores()).toEqual(['i']);
    expect(await events.pendingCounts()).toEqual({}); // /status shows positive counts only
  });

  it('does not leak a listed store whose records vanished without completion (TTL, crash)', async () => {
    await touch('j', [1, 2]);
    await touch('k', [1]);
    await db.collection(COLLECTIONS.pending).doc('j_1').delete();
    await db.collection(COLLECTIONS.pending).doc('j_2').delete();
    // Count still 2: the sweep lists it, the flush's load finds nothing and unlists it.
    expect(await pending.stores()).toEqual(['j', 'k']);
    expect(await pending.load('j')).toEqual([]);
    expect(await pending.stores()).toEqual(['k']);
    expect(await shardDocs('j')).toHaveLength(0);
  });

  it('a sweep releases drained stores whose count is at zero or below, and keeps the rest', async () => {
    await touch('l', [1]);
    await touch('m', [1]);
    await db.collection(COLLECTIONS.pending).doc('l_1').delete();
    await index.adjust('l', -1);
    expect(await pending.stores()).toEqual(['m']);
    expect(await shardDocs('l')).toHaveLength(0);
  });

  it('a release racing an event keeps the store listed, whichever shard the event hits', async () => {
    await touch('n', [1]);
    const shards = await shardDocs('n');
    expect(shards).toHaveLength(1);
    const guardedDelete = () => {
      const batch = db.batch();
      for (const d of shards) batch.delete(d.ref, { lastUpdateTime: d.updateTime });
      return batch.commit();
    };
    // The event lands between the release's read of the shards and its delete.
    // Same shard: its update time moved, the guarded batch fails as a whole.
    const sameShard = Array.from({ length: 100 }, (_, i) => `k${i}`).find((k) => shardOf(k) === shards[0]!.get('shard'))!;
    const batch = db.batch();
    index.add({ merge: (r, d) => batch.set(r, d, { merge: true }) }, 'n', 1, sameShard);
    await batch.commit();
    await expect(guardedDelete()).rejects.toMatchObject({ code: 9 });
    expect(await pending.stores()).toEqual(['n']);
    // Another shard: the delete passes, the new shard is not in it and keeps the store listed.
    const otherShard = Array.from({ length: 100 }, (_, i) => `k${i}`).find((k) => shardOf(k) !== shards[0]!.get('shard'))!;
    const fresh = await shardDocs('n');
    const batch2 = db.batch();
    index.add({ merge: (r, d) => batch2.set(r, d, { merge: true }) }, 'n', 1, otherShard);
    await batch2.commit();
    const b3 = db.batch();
    for (const d of fresh) b3.delete(d.ref, { lastUpdateTime: d.updateTime });
    await b3.commit();
    expect(await pending.stores()).toEqual(['n']);
  });
});
