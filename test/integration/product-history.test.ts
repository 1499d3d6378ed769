// Per-product history (events/product-history.ts) on the Firestore emulator: the adapter keeps a
// bounded list per product, and the category sync and the full-sync job write it against the sandbox.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Timestamp } from '@google-cloud/firestore';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { createFirestoreProductHistory } from '../../src/events/firestore-product-history.ts';
import { createFirestoreEventStore } from '../../src/events/firestore-event-store.ts';
import { historyEntry, HISTORY_LIMIT, HISTORY_TTL_MS, type HistoryEntry } from '../../src/events/product-history.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { planOrThrow } from '../helpers/events.ts';
import { expectedManaged, managedOf, testCategorySync } from '../helpers/category-sync.ts';

const { db, reset } = testFirestore('demo-product-history');
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({});
});
afterAll(async () => {
  await sandbox.close();
  await db.terminate();
});
beforeEach(reset);

const entry = (atMs: number, over: Partial<HistoryEntry> = {}): HistoryEntry => ({ ...historyEntry({ productId: 1, pending: undefined, read: { found: true, dateModified: 'd' }, added: [], removed: [], outcome: 'completed' }, atMs), ...over });

describe('Firestore product history', () => {
  it('keeps the newest HISTORY_LIMIT entries per product, with expireAt after the last sync', async () => {
    const history = createFirestoreProductHistory(db);
    for (let k = 1; k <= HISTORY_LIMIT + 5; k++) await history.record('s1', [{ productId: 7, entry: entry(k * 1_000) }]);
    const got = await history.read('s1', 7);
    expect(got.map((e) => e.atMs)).toEqual(Array.from({ length: HISTORY_LIMIT }, (_, k) => (HISTORY_LIMIT + 5 - k) * 1_000));
    expect(got[0]).toEqual(entry((HISTORY_LIMIT + 5) * 1_000));
    const doc = await db.collection(COLLECTIONS.productHistory).doc('s1_7').get();
    expect((doc.get('expireAt') as Timestamp).toMillis()).toBe((HISTORY_LIMIT + 5) * 1_000 + HISTORY_TTL_MS);
    expect(doc.get('storeHash')).toBe('s1');
  });

  it('keeps stores and products apart, round-trips every part of an entry, and writes more products than one commit holds', async () => {
    const history = createFirestoreProductHistory(db);
    const full: HistoryEntry = {
      atMs: 5,
      events: { count: 3, scopes: ['store/product/updated'], lastScope: 'store/product/updated', firstAtMs: 1, lastAtMs: 2 },
      read: { found: false, dateModified: undefined },
      added: [1, 2],
      removed: [3],
      outcome: 'given-up',
      reason: 'not found after repeated reads',
    };
    await history.record('s1', Array.from({ length: 650 }, (_, k) => ({ productId: k + 1, entry: k === 0 ? full : entry(5) })));
    await history.record('s2', [{ productId: 1, entry: entry(9) }]);
    expect(await history.read('s1', 1)).toEqual([full]);
    expect(await history.read('s2', 1)).toEqual([entry(9)]);
    expect((await history.read('s1', 650)).map((e) => e.atMs)).toEqual([5]);
    expect(await history.read('s1', 651)).toEqual([]);
    expect((await db.collection(COLLECTIONS.productHistory).where('storeHash', '==', 's1').count().get()).data().count).toBe(650);
  });

  it('skips malformed stored entries instead of failing explain', async () => {
    const history = createFirestoreProductHistory(db);
    await db.collection(COLLECTIONS.productHistory).doc('s1_3').set({ entries: [{ atMs: 'x' }, null, { atMs: 4, outcome: 'completed' }] });
    expect(await history.read('s1', 3)).toEqual([{ atMs: 4, events: undefined, read: undefined, added: [], removed: [], outcome: 'completed' }]);
    await history.record('s1', [{ productId: 3, entry: entry(6) }]);
    expect((await history.read('s1', 3)).map((e) => e.atMs)).toEqual([6, 4]);
  });
});

describe('history written by the syncs', () => {
  it('the category sync writes one entry per processed product: events, read, categories written, given up with its reason', async () => {
    const hash = `hist${Date.now().toString(36)}`;
    const token = `tok-${hash}`;
    const store = sandbox.createStore({ hash, accessToken: token, seed: 3 });
    store.seedProducts(10, { seed: 3 });
    const { categorySync, history, close } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, settings: { missingMaxAttempts: 1 } });
    try {
      const target = store.products().find((p) => !managedOf(p.categories).includes(50))!;
      // The version the sync reads (our own category write afterwards moves date_modified again).
      const readVersion = store.updateProduct(target.id, { sale_price: 1, price: 10 }).date_modified;
      const events = createFirestoreEventStore(db);
      const send = (scope: string, id: number, k: number) =>
        events.record(planOrThrow({ scope, producer: `stores/${hash}`, hash: `h${id}-${k}`, created_at: 1_000 + k, data: { type: 'product', id } }, { storeHash: hash, hash: `h${id}-${k}`, messageId: undefined, publishTime: undefined, nowMs: Date.now() - 2_000 + k, dedupeTtlMs: 1e6 }));
      await send('store/product/updated', target.id, 1);
      await send('store/product/inventory/updated', target.id, 2);
      await send('store/product/updated', 999_999, 3);

      const r = await categorySync.syncStore(hash);
      expect(r).toMatchObject({ outcome: 'flushed', givenUp: 1 });
      expect(managedOf(store.product(target.id)!.categories)).toEqual(expectedManaged(store.product(target.id)!));

      const [t] = await history.read(hash, target.id);
      expect(t).toMatchObject({ events: { count: 2, scopes: ['store/product/inventory/updated', 'store/product/updated'], lastScope: 'store/product/inventory/updated' }, read: { found: true, dateModified: readVersion }, outcome: 'completed' });
      expect(t!.added).toContain(50);
      expect(await history.read(hash, 999_999)).toMatchObject([{ read: { found: false }, outcome: 'given-up', reason: 'not found after repeated reads', events: { count: 1 } }]);
      // Only processed products get a document.
      expect((await db.collection(COLLECTIONS.productHistory).where('storeHash', '==', hash).count().get()).data().count).toBe(2);
    } finally {
      await close();
    }
  });

  it('a full-sync job writes entries for the products it changed and the pending records it answered only, and its slices land in the sync log', async () => {
    const hash = `histf${Date.now().toString(36)}`;
    const token = `tok-${hash}`;
    const store = sandbox.createStore({ hash, accessToken: token, seed: 4 });
    store.seedProducts(300, { seed: 4 });
    const { fullSync, history, syncLog, pending, close } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token } });
    try {
      const wrong = store.products().filter((p) => managedOf(p.categories).join() !== expectedManaged(p).join()).map((p) => p.id);
      expect(wrong.length).toBeGreaterThan(0);
      // A product already right, with an event waiting: the job answers it, so its history shows the event.
      const waiting = store.products().find((p) => !wrong.includes(p.id))!.id;
      await pending.enqueue(hash, [waiting], 'backfill', Date.now() - 60_000);
      await fullSync.start(hash);
      for (let k = 0; k < 20; k++) {
        const r = await fullSync.runSlice(hash);
        if (r.outcome !== 'flushed' || r.dueAtMs === undefined) break;
      }
      expect((await fullSync.progress(hash))?.state).toBe('done');
      const docs = await db.collection(COLLECTIONS.productHistory).where('storeHash', '==', hash).get();
      expect(docs.docs.map((d) => d.get('productId') as number).sort((a, b) => a - b)).toEqual([...wrong, waiting].sort((a, b) => a - b));
      expect(await history.read(hash, waiting)).toMatchObject([{ events: { count: 1, scopes: ['backfill'] }, read: { found: true }, added: [], removed: [], outcome: 'completed' }]);
      const [e] = await history.read(hash, wrong[0]!);
      expect(e).toMatchObject({ events: undefined, read: { found: true }, outcome: 'completed' });
      expect(e!.added.length + e!.removed.length).toBeGreaterThan(0);
      const log = await syncLog.recent(hash);
      expect(log.length).toBeGreaterThan(0);
      expect(log.every((l) => l.mode === 'full' && l.outcome === 'flushed')).toBe(true);
      expect(log.reduce((n, l) => n + l.productsRead, 0)).toBe(300);
    } finally {
      await close();
    }
  });
});
