// Events of stores that are not installed (unknown) or were uninstalled never accumulate: the sweep,
// which looks each store up anyway, drops their pending work, unlists them from the store index and
// counts the drop in /status. Ingest stays free of store lookups. Pending records also carry a TTL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Timestamp } from '@google-cloud/firestore';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { taskRoutes } from '../../src/category-sync/task-routes.ts';
import { PENDING_TTL_MS } from '../../src/events/pending-store.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { testApp } from '../helpers/app.ts';
import { testCategorySync } from '../helpers/category-sync.ts';
import { productEvent, webhook, wrappedPush } from '../helpers/push.ts';

const { db, reset } = testFirestore('demo-unknown-stores');
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: 'demo-unknown-stores' } });
});
afterAll(async () => {
  await sandbox.close();
  await db.terminate();
});
beforeEach(reset);

describe('uninstalled and unknown stores', () => {
  it('the sweep drops their pending work, unlists them and counts the drop in /status', async () => {
    const known = sandbox.createStore({ hash: 'known1', accessToken: 't-known1', seed: 4 });
    const knownIds = known.seedProducts(5, { seed: 4 }).map((p) => p.id);
    const { scheduler, pending, directory, fullSync } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: 'known1', accessToken: 't-known1' } });
    const app = await testApp(db, { extra: { plugins: [taskRoutes({ scheduler, directory, fullSync, allowedEmails: [], requestBudgetMs: 10_000 })] } });
    const push = async (body: unknown) => expect((await app.server.inject({ method: 'POST', url: '/pubsub/push', payload: JSON.stringify(wrappedPush(body)), headers: { 'content-type': 'application/json' } })).statusCode).toBe(204);

    // (Queued without an event time: the helper's fixed 2025 event times would make these reads look stale.)
    await pending.enqueue('known1', knownIds.slice(0, 3), 'updated', Date.now() - 1_000);
    for (const id of [1, 2, 3, 4]) await push(productEvent('ghost1', id)); // never installed
    await push(productEvent('gone1', 1));
    await push(webhook('gone1', 'store/app/uninstalled', { type: 'store' }));
    await push(productEvent('gone1', 2)); // after the uninstall: still accepted by ingest (no lookup)

    const before = (await app.server.inject({ method: 'GET', url: '/status' })).json<{ pending: Record<string, number> }>();
    expect(before.pending).toEqual({ known1: 3, ghost1: 4, gone1: 2 });

    const sweep = await app.server.inject({ method: 'POST', url: '/tasks/flush' });
    expect(sweep.statusCode).toBe(200);
    expect(sweep.json()).toMatchObject({ stores: 3, flushed: 1, failed: 0, other: 2 });

    const after = (await app.server.inject({ method: 'GET', url: '/status' })).json<{ pending: Record<string, number>; dropped: Record<string, unknown> }>();
    expect(after.pending).toEqual({});
    expect(after.dropped).toEqual({
      ghost1: { reason: 'unknown-store', records: 4, lastDroppedAt: expect.any(String) },
      gone1: { reason: 'uninstalled', records: 2, lastDroppedAt: expect.any(String) },
    });
    expect(await pending.stores()).toEqual([]);
    expect((await db.collection(COLLECTIONS.pending).count().get()).data().count).toBe(0);

    // More events from the unknown store: dropped again at the next sweep, and the count adds up.
    await push(productEvent('ghost1', 9));
    expect((await app.server.inject({ method: 'POST', url: '/tasks/flush' })).json()).toMatchObject({ stores: 1, other: 1 });
    const again = (await app.server.inject({ method: 'GET', url: '/status' })).json<{ dropped: Record<string, { records: number }> }>();
    expect(again.dropped.ghost1?.records).toBe(5);
    await app.server.close();
  });

  it('every pending record expires PENDING_TTL after its last event (TTL policy on expireAt), whatever wrote it', async () => {
    const app = await testApp(db);
    const { pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: 'x', accessToken: 'x' } });
    const started = Date.now();
    await app.server.inject({ method: 'POST', url: '/pubsub/push', payload: JSON.stringify(wrappedPush(productEvent('ttl1', 1))), headers: { 'content-type': 'application/json' } });
    const viaIngest = (await db.collection(COLLECTIONS.pending).doc('ttl1_1').get()).get('expireAt') as Timestamp;
    expect(viaIngest).toBeInstanceOf(Timestamp);
    expect(viaIngest.toMillis()).toBeGreaterThanOrEqual(started + PENDING_TTL_MS);
    expect(viaIngest.toMillis()).toBeLessThanOrEqual(Date.now() + PENDING_TTL_MS);

    await pending.enqueue('ttl1', [2], 'backfill', 5_000);
    expect(((await db.collection(COLLECTIONS.pending).doc('ttl1_2').get()).get('expireAt') as Timestamp).toMillis()).toBe(5_000 + PENDING_TTL_MS);
    await app.server.close();
  });
});
