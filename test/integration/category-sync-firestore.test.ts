import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Timestamp } from '@google-cloud/firestore';
import { createStoreDirectory } from '../../src/stores/store-directory.ts';
import { createFirestorePendingStore } from '../../src/events/firestore-pending-store.ts';
import { createFirestoreLeases } from '../../src/category-sync/sync-lease.ts';
import { createFirestoreEventStore } from '../../src/events/firestore-event-store.ts';
import { planOrThrow } from '../helpers/events.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { systemClock, ManualClock } from '../../src/clock.ts';
import type { BigCommerceEvent } from '../../src/bigcommerce/webhook-event.ts';
import { testFirestore } from '../helpers/firestore.ts';

const { db, reset } = testFirestore('demo-flush-firestore');
const events = createFirestoreEventStore(db);
const pending = createFirestorePendingStore(db, systemClock);
beforeEach(reset);
afterAll(() => db.terminate());

let n = 0;
async function touch(storeHash: string, productId: number, scope = 'store/product/updated', nowMs = Date.now()) {
  n++;
  const event = { scope, producer: `stores/${storeHash}`, hash: `h${n}`, data: { type: 'product', id: productId } } as BigCommerceEvent;
  await events.record(planOrThrow(event, { storeHash, hash: `h${n}`, messageId: `m${n}`, publishTime: undefined, nowMs, dedupeTtlMs: 1e6 }));
}

describe('FirestorePendingStore', () => {
  it('lists stores with pending work and loads their products', async () => {
    await touch('s1', 1, 'store/product/updated', 1_000);
    await touch('s1', 2, 'store/product/deleted', 2_000);
    await touch('s2', 1);
    expect(await pending.stores()).toEqual(['s1', 's2']);
    const loaded = (await pending.load('s1')).sort((a, b) => a.productId - b.productId);
    expect(loaded.map((p) => [p.productId, p.lastSeenAtMs, p.deleteSeen, p.attempts, p.notBeforeMs])).toEqual([
      [1, 1_000, false, 0, undefined],
      [2, 2_000, true, 0, undefined],
    ]);
  });

  it('keeps a record that an event touched during the flush (no update is lost)', async () => {
    await touch('s1', 1);
    await touch('s1', 2);
    const read = await pending.load('s1');
    await touch('s1', 2); // arrives while the flush is working
    const r = await pending.complete('s1', read);
    expect(r).toEqual({ removed: 1, kept: 1 });
    expect((await pending.load('s1')).map((p) => p.productId)).toEqual([2]);
  });

  it('defers a missing product with a guarded update, and gives up with a trace', async () => {
    await touch('s1', 5);
    const [p5] = await pending.load('s1');
    expect(await pending.defer('s1', [{ productId: 5, version: p5!.version, attempts: 1, notBeforeMs: 99_000 }])).toEqual({ deferred: 1, kept: 0 });
    const [again] = await pending.load('s1');
    expect(again).toMatchObject({ attempts: 1, notBeforeMs: 99_000 });
    // a stale version does not overwrite newer state
    expect(await pending.defer('s1', [{ productId: 5, version: p5!.version, attempts: 9, notBeforeMs: 1 }])).toEqual({ deferred: 0, kept: 1 });
    expect(await pending.giveUp('s1', [{ productId: 5, version: again!.version, attempts: 2 }], 'not found')).toBe(1);
    expect(await pending.load('s1')).toEqual([]);
    const trace = await db.collection(COLLECTIONS.givenUp).doc('s1_5').get();
    expect(trace.data()).toMatchObject({ storeHash: 's1', productId: 5, attempts: 2, reason: 'not found' });
  });

  it('enqueues products without an event (backfill) into the same pending records', async () => {
    await touch('s3', 1, 'store/product/updated', 1_000);
    expect(await pending.enqueue('s3', [1, 2, 2, 3], 'backfill', 5_000)).toBe(3);
    const loaded = (await pending.load('s3')).sort((a, b) => a.productId - b.productId);
    expect(loaded.map((p) => [p.productId, p.lastSeenAtMs])).toEqual([
      [1, 5_000],
      [2, 5_000],
      [3, 5_000],
    ]);
    expect((await db.collection(COLLECTIONS.pending).doc('s3_1').get()).get('scopes')).toEqual(['store/product/updated', 'backfill']);
  });

  it("pages a store's records by product id (keyset), without other stores' records, up to an optional bound", async () => {
    await pending.enqueue('big', [5, 1, 300, 42, 7, 1_000_000, 2], 'test', 1_000);
    await pending.enqueue('other', [3, 4], 'test', 1_000);
    const seen: number[][] = [];
    let after = 0;
    for (;;) {
      const page = await pending.page('big', { afterProductId: after, limit: 3 });
      if (page.length === 0) break;
      seen.push(page.map((p) => p.productId));
      after = page.at(-1)!.productId;
    }
    expect(seen).toEqual([
      [1, 2, 5],
      [7, 42, 300],
      [1_000_000],
    ]);
    expect((await pending.page('big', { afterProductId: 2, limit: 10, maxProductId: 42 })).map((p) => p.productId)).toEqual([5, 7, 42]);
    const [first] = await pending.page('big', { afterProductId: 0, limit: 1 });
    expect(first).toMatchObject({ productId: 1, attempts: 0, staleRereads: 0, deleteSeen: false, notBeforeMs: undefined });
  });

  it('drops every pending record of a store', async () => {
    for (let i = 1; i <= 30; i++) await touch('gone', i);
    await touch('stays', 1);
    expect(await pending.dropStore('gone')).toBe(30);
    expect(await pending.stores()).toEqual(['stays']);
  });
});

describe('Firestore flush lease', () => {
  it('admits one holder at a time, across "instances"', async () => {
    const clock = new ManualClock(Date.now());
    const a = createFirestoreLeases(db, { owner: 'a', leaseMs: 60_000, clock });
    const b = createFirestoreLeases(db, { owner: 'b', leaseMs: 60_000, clock });
    const results = await Promise.all([a.tryAcquire('s1'), b.tryAcquire('s1'), a.tryAcquire('s1'), b.tryAcquire('s1')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    await results.find(Boolean)!.release();
    const next = await b.tryAcquire('s1');
    expect(next).toBeDefined();
    await next!.release();
  });

  it('takes over an expired lease of a crashed holder', async () => {
    const clock = new ManualClock(Date.now());
    // The crashed holder's own Firestore client goes away with it, so its heartbeat cannot renew.
    const { db: crashedDb } = testFirestore('demo-flush-firestore');
    const crashed = createFirestoreLeases(crashedDb, { owner: 'crashed', leaseMs: 5_000, clock });
    const other = createFirestoreLeases(db, { owner: 'other', leaseMs: 5_000, clock });
    const held = await crashed.tryAcquire('s2');
    expect(held).toBeDefined();
    expect(await other.tryAcquire('s2')).toBeUndefined();
    await crashedDb.terminate();
    await clock.advance(6_000);
    const taken = await other.tryAcquire('s2');
    expect(taken).toBeDefined();
    expect(held!.lost).toBe(true);
    await held!.release(); // the old holder's release must not touch the new holder's lease
    const doc = db.collection(COLLECTIONS.leases).doc('s2');
    expect((await doc.get()).get('owner')).toBe('other');
    await taken!.release();
    expect((await doc.get()).exists).toBe(false);
  });
});

describe('Firestore flush lease: short lease with a heartbeat', () => {
  const until = async (what: string, fn: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await fn())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('a holder keeps its store for longer than the lease by renewing it; once it dies the store is free within one lease', async () => {
    const leaseMs = 1_500;
    // The dying holder has its own Firestore client: terminating it is the instance going away.
    const { db: doomedDb } = testFirestore('demo-flush-firestore');
    const holder = createFirestoreLeases(doomedDb, { owner: 'holder', leaseMs, renewEveryMs: 300, clock: systemClock });
    const other = createFirestoreLeases(db, { owner: 'other', leaseMs, renewEveryMs: 300, clock: systemClock });
    const held = await holder.tryAcquire('hb');
    expect(held).toBeDefined();
    const doc = db.collection(COLLECTIONS.leases).doc('hb');
    const firstExpiry = ((await doc.get()).get('expiresAt') as Timestamp).toMillis();
    // Three lease lengths later it still holds: renewed, never taken.
    const heldUntil = Date.now() + 3 * leaseMs;
    await until(
      'three lease lengths of renewals',
      async () => {
        expect(await other.tryAcquire('hb')).toBeUndefined();
        return Date.now() > heldUntil;
      },
      10_000,
    );
    expect(((await doc.get()).get('expiresAt') as Timestamp).toMillis()).toBeGreaterThan(firstExpiry + 2 * leaseMs);
    expect(held!.lost).toBe(false);

    await doomedDb.terminate();
    const diedAt = Date.now();
    let taken: Awaited<ReturnType<typeof other.tryAcquire>>;
    await until(
      'the other instance to take the store',
      async () => {
        taken = await other.tryAcquire('hb');
        return taken !== undefined;
      },
      10_000,
    );
    // At most one lease after the last renewal (which was at most one beat before it died).
    expect(Date.now() - diedAt).toBeLessThan(leaseMs + 300 + 1_000);
    expect(held!.lost).toBe(true);
    await taken!.release();
    await held!.release();
  });

  it('a holder past maxHoldMs (a hung sync) stops renewing: its store is free one lease later', async () => {
    const leaseMs = 1_000;
    const hung = createFirestoreLeases(db, { owner: 'hung', leaseMs, renewEveryMs: 200, maxHoldMs: 1_500, clock: systemClock });
    const other = createFirestoreLeases(db, { owner: 'other', leaseMs, renewEveryMs: 200, clock: systemClock });
    const held = await hung.tryAcquire('mh');
    const acquiredAt = Date.now();
    expect(held).toBeDefined();
    let taken: Awaited<ReturnType<typeof other.tryAcquire>>;
    await until(
      'the other holder to take the store',
      async () => {
        taken = await other.tryAcquire('mh');
        return taken !== undefined;
      },
      10_000,
    );
    // Renewed past one lease (so the heartbeat ran), given up after maxHoldMs + at most one lease.
    const freeAfterMs = Date.now() - acquiredAt;
    expect(freeAfterMs).toBeGreaterThan(leaseMs);
    expect(freeAfterMs).toBeLessThan(1_500 + leaseMs + 1_000);
    expect(held!.lost).toBe(true);
    await taken!.release();
    await held!.release();
  });

  it('a renewal that finds the lease taken over marks it lost at once', async () => {
    const clock = new ManualClock(Date.now());
    const a = createFirestoreLeases(db, { owner: 'a', leaseMs: 30_000, clock });
    const held = await a.tryAcquire('to');
    // Someone else rewrites the lease document (an operator, or a takeover after a long pause).
    await db.collection(COLLECTIONS.leases).doc('to').set({ owner: 'intruder', expiresAt: Timestamp.fromMillis(clock.now() + 60_000) });
    await clock.advance(10_000); // the heartbeat beats
    await until('the lease to be marked lost', () => Promise.resolve(held!.lost), 5_000);
    await held!.release();
    expect((await db.collection(COLLECTIONS.leases).doc('to').get()).get('owner')).toBe('intruder');
  });
});

describe('StoreDirectory status', () => {
  it('ignores an uninstall event older than the latest install (reinstalled meanwhile)', async () => {
    const directory = createStoreDirectory({ db });
    const installedAt = Timestamp.fromMillis(1_700_000_100_000);
    await db.collection(COLLECTIONS.stores).doc('re').set({ status: 'uninstalled', installedAt, uninstallEventCreatedAt: 1_700_000_050 });
    expect((await directory.get('re'))?.status).toBe('active');
    await db.collection(COLLECTIONS.stores).doc('gone').set({ status: 'uninstalled', installedAt, uninstallEventCreatedAt: 1_700_000_200 });
    expect((await directory.get('gone'))?.status).toBe('uninstalled');
    await db.collection(COLLECTIONS.stores).doc('plain').set({ status: 'uninstalled' });
    expect((await directory.get('plain'))?.status).toBe('uninstalled');
  });
});
