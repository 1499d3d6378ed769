// /status and the sweep's store list with 100 stores × 500 pending products: O(stores) from the
// store index, not a scan of 50,000 records (which took 67 s here before). Seeded through the event
// store in bulk. Its own emulator with a larger heap, to keep 50,000 records off the shared one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Firestore } from '@google-cloud/firestore';
import pLimit from 'p-limit';
import { createFirestoreEventStore } from '../../src/events/firestore-event-store.ts';
import { createFirestorePendingStore } from '../../src/events/firestore-pending-store.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import type { BigCommerceEvent } from '../../src/bigcommerce/webhook-event.ts';
import { planOrThrow } from '../helpers/events.ts';
import { testApp } from '../helpers/app.ts';
import { ownFirestore } from '../helpers/firestore.ts';

const STORES = 100;
const PER_STORE = 500;
let own: Awaited<ReturnType<typeof ownFirestore>>;
let db: Firestore;

beforeAll(async () => {
  own = await ownFirestore('demo-status-scale');
  db = own.db;
  const events = createFirestoreEventStore(db);
  const limit = pLimit(4);
  const started = Date.now();
  await Promise.all(
    Array.from({ length: STORES }, (_, s) =>
      limit(async () => {
        const storeHash = `store${String(s).padStart(3, '0')}`;
        const event = { scope: 'store/modifier/updated', producer: `stores/${storeHash}`, hash: `seed-${s}`, data: { type: 'shared_modifier', id: 1, affected_product_ids: Array.from({ length: PER_STORE }, (_, i) => i + 1) } } as BigCommerceEvent;
        await events.record(planOrThrow(event, { storeHash, hash: `seed-${s}`, messageId: `m${s}`, publishTime: undefined, nowMs: Date.now(), dedupeTtlMs: 1e6 }));
      }),
    ),
  );
  console.log(`[status-scale] seeded ${STORES} × ${PER_STORE} pending in ${Date.now() - started} ms`);
}, 300_000);
afterAll(() => own?.stop());

describe(`${STORES} stores × ${PER_STORE} pending`, () => {
  it('/status answers in under 2 s with every store and its count', async () => {
    expect((await db.collection(COLLECTIONS.pending).count().get()).data().count).toBe(STORES * PER_STORE);
    const app = await testApp(db);
    const started = Date.now();
    const res = await app.server.inject({ method: 'GET', url: '/status' });
    const elapsedMs = Date.now() - started;
    expect(res.statusCode).toBe(200);
    const pending = res.json<{ pending: Record<string, number> }>().pending;
    expect(Object.keys(pending)).toHaveLength(STORES);
    expect(new Set(Object.values(pending))).toEqual(new Set([PER_STORE]));
    console.log(`[status-scale] /status in ${elapsedMs} ms`);
    expect(elapsedMs).toBeLessThan(2_000);
    await app.server.close();
  });

  it('the sweep lists them in O(stores) too', async () => {
    const store = createFirestorePendingStore(db);
    const started = Date.now();
    const stores = await store.stores();
    const elapsedMs = Date.now() - started;
    expect(stores).toHaveLength(STORES);
    console.log(`[status-scale] pending.stores() in ${elapsedMs} ms`);
    expect(elapsedMs).toBeLessThan(2_000);
  });
});
