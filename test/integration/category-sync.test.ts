// The category sync against the BigCommerce sandbox over real HTTP and the Firestore emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxStore } from '../../src/sandbox/index.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { expectedManaged, managedOf, testCategorySync } from '../helpers/category-sync.ts';
import { planEventWrites } from '../../src/events/plan-event-writes.ts';
import { pendingDocId } from '../../src/firestore/document-ids.ts';
import type { BigCommerceEvent } from '../../src/bigcommerce/webhook-event.ts';
import { gatedFetch, JumpClock, waitFor } from '../helpers/wait.ts';

const { db, reset } = testFirestore('demo-flush');
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: 'demo-flush' } });
});
afterAll(async () => {
  await sandbox.close();
  await db.terminate();
});
beforeEach(async () => {
  await reset();
  sandbox.resetStats();
});

/** A product read of the sync (GET catalog/products), as opposed to its category writes. */
const isProductRead = (url: string, init: RequestInit | undefined) => (init?.method ?? 'GET') === 'GET' && new URL(url).pathname.endsWith('/v3/catalog/products');

let n = 0;
function newStore(opts: { products?: number; consistencyDelayMs?: number } = {}): { store: SandboxStore; hash: string; token: string } {
  n++;
  const hash = `flush${n}${Date.now().toString(36)}`;
  const token = `tok-${hash}`;
  const store = sandbox.createStore({ hash, accessToken: token, ...(opts.consistencyDelayMs ? { consistencyDelayMs: opts.consistencyDelayMs } : {}), seed: n });
  if (opts.products) store.seedProducts(opts.products, { seed: n });
  return { store, hash, token };
}

describe('category sync (syncStore)', () => {
  it('applies the rules to every pending product, writes only real changes, and leaves unmanaged categories alone', async () => {
    const { store, hash, token } = newStore({ products: 600 });
    const before = new Map(store.products().map((p) => [p.id, p.categories.filter((c) => c < 50 || c > 52)]));
    const { categorySync, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token } });
    const ids = store.products().map((p) => p.id);
    await pending.enqueue(hash, ids, 'test', Date.now() - 1_000);

    const r = await categorySync.syncStore(hash);
    expect(r).toMatchObject({ outcome: 'flushed', mode: 'batched', pendingRead: 600, productsFetched: 600, missing: 0 });
    if (r.outcome !== 'flushed') return;
    expect(r.fetchRequests).toBe(3); // ceil(600 / 250): the URL limit allows 250 ids of 1-3 digits
    for (const p of store.products()) {
      expect(managedOf(p.categories), `product ${p.id}`).toEqual(expectedManaged(p));
      expect(p.categories.filter((c) => c < 50 || c > 52).sort()).toEqual(before.get(p.id)!.sort());
    }
    const stats = sandbox.stats(hash);
    expect(stats.categoryAssignmentsNoop).toBe(0); // nothing written that was already true
    expect(stats.rejectedLongUrls).toBe(0);
    expect(stats.maxUrlLength).toBeLessThan(2048);
    expect(await pending.load(hash)).toEqual([]);

    // Our own writes come back as product/updated: re-evaluating finds nothing to do.
    sandbox.resetStats();
    await pending.enqueue(hash, r.writes.assigned > 0 ? ids : [], 'echo', Date.now() - 1_000);
    const again = await categorySync.syncStore(hash);
    expect(again).toMatchObject({ outcome: 'flushed', changedProducts: 0, writes: { assignRequests: 0, unassignRequests: 0 } });
    expect(sandbox.stats(hash).categoryWrites).toBe(0);
  });

  it('reads the current state, whatever order the events came in (deleted then updated)', async () => {
    const { store, hash, token } = newStore({ products: 20 });
    const { categorySync, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token } });
    store.updateProduct(3, { sale_price: 1, price: 10 });
    store.deleteProduct(4);
    await pending.enqueue(hash, [3, 4], 'updated', Date.now() - 1_000);
    // the delete event arrives (late): remembered, so the 404 of product 4 is final
    await db.collection(COLLECTIONS.pending).doc(`${hash}_4`).update({ deleteSeen: true });
    const r = await categorySync.syncStore(hash);
    expect(r).toMatchObject({ outcome: 'flushed', productsFetched: 1, missing: 0, completed: 2, deferred: 0 });
    expect(managedOf(store.product(3)!.categories)).toContain(50);
    expect(await pending.load(hash)).toEqual([]);
  });

  it('retries a product that is not readable yet, then processes it', async () => {
    const { store, hash, token } = newStore({ products: 5, consistencyDelayMs: 1_200 });
    // The flusher's time is injected: the retry is due when the test moves the clock, however slow the machine.
    const clock = new JumpClock();
    const { categorySync: flusher, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, clock, settings: { missingMaxAttempts: 6, missingRetryMs: 10_000 } });
    const created = store.createProduct({ name: 'fresh', sale_price: 3, price: 9, inventory_tracking: 'none', is_featured: false });
    await pending.enqueue(hash, [created.id], 'created', Date.now() - 1_000);

    const first = await flusher.syncStore(hash);
    expect(first).toMatchObject({ outcome: 'flushed', missing: 1, deferred: 1 });
    const [waiting] = await pending.load(hash);
    expect(waiting).toMatchObject({ attempts: 1 });
    expect(waiting!.notBeforeMs).toBeGreaterThan(clock.now());
    expect(await flusher.syncStore(hash)).toMatchObject({ outcome: 'not-due' });

    // Once BigCommerce serves the product (its consistency delay is real time), the due retry processes it.
    await waitFor(async () => (await fetch(`${sandbox.url}/stores/${hash}/v3/catalog/products/${created.id}`, { headers: { 'x-auth-token': token } })).status === 200, {
      what: 'the new product to be readable',
    });
    clock.jump(waiting!.notBeforeMs! - clock.now());
    expect(await flusher.syncStore(hash)).toMatchObject({ outcome: 'flushed', completed: 1 });
    expect(managedOf(store.product(created.id)!.categories)).toContain(50);
    expect(await pending.load(hash)).toEqual([]);
  });

  it('reads again a product whose read is older than its newest event (stale after an update)', async () => {
    const { store, hash, token } = newStore({ products: 5 });
    // The one re-read comes after the 1.5 s the change stays unreadable.
    const { categorySync, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, settings: { missingMaxAttempts: 6, staleRetryMs: 2_000 } });
    const changed = store.updateProduct(2, { sale_price: 7, price: 20 }, { invisibleForMs: 1_500 });
    await pending.enqueue(hash, [2], 'updated', Date.now() - 1_000);
    await db.collection(COLLECTIONS.pending).doc(`${hash}_2`).update({ newestChangeEventCreatedAt: Math.floor(Date.parse(changed.date_modified) / 1000) });

    const first = await categorySync.syncStore(hash);
    expect(first).toMatchObject({ outcome: 'flushed', productsFetched: 1, deferred: 1, changedProducts: 0 });
    expect(managedOf(store.product(2)!.categories)).not.toContain(50);
    await expect
      .poll(async () => (await categorySync.syncStore(hash)).outcome === 'flushed' && managedOf(store.product(2)!.categories).includes(50), { timeout: 10_000, interval: 200 })
      .toBe(true);
    expect(await pending.load(hash)).toEqual([]);
  });

  it('gives up on a product that never appears, after the configured attempts, and keeps a trace', async () => {
    const { hash, token } = newStore({ products: 3 });
    const { categorySync, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, settings: { missingRetryMs: 50, missingMaxAttempts: 3 } });
    await pending.enqueue(hash, [987_654], 'updated', Date.now() - 1_000);
    const outcomes: unknown[] = [];
    await expect
      .poll(
        async () => {
          const r = await categorySync.syncStore(hash);
          outcomes.push(r);
          return (await pending.load(hash)).length;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(0);
    expect(outcomes.filter((o) => (o as { givenUp?: number }).givenUp === 1)).toHaveLength(1);
    expect((await db.collection(COLLECTIONS.givenUp).doc(`${hash}_987654`).get()).get('attempts')).toBe(3);
  });

  it('keeps a product whose record an event touched during the flush', async () => {
    const { hash, token } = newStore({ products: 10 });
    const gate = gatedFetch(isProductRead);
    const { categorySync: flusher, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, fetch: gate.fetch });
    await pending.enqueue(hash, [1, 2], 'updated', Date.now() - 1_000);
    const running = flusher.syncStore(hash);
    await gate.arrived; // the flush has loaded the pending records and is reading the products
    await pending.enqueue(hash, [2], 'updated-again', Date.now());
    gate.release();
    const r = await running;
    expect(r).toMatchObject({ outcome: 'flushed', completed: 1, keptForNextFlush: 1 });
    expect((await pending.load(hash)).map((p) => p.productId)).toEqual([2]);
  });

  it('never flushes one store twice at once', async () => {
    const { hash, token } = newStore({ products: 10 });
    // Both flushers' product reads wait at one gate: the lease holder stays mid-flush while the other tries.
    const gate = gatedFetch(isProductRead);
    const a = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, owner: 'a', fetch: gate.fetch });
    const b = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, owner: 'b', fetch: gate.fetch });
    await a.pending.enqueue(hash, [1, 2, 3], 'updated', Date.now() - 1_000);
    const settled: string[] = [];
    const track = async (run: ReturnType<typeof a.categorySync.syncStore>) => {
      const r = await run;
      settled.push(r.outcome);
      return r;
    };
    const runs = [track(a.categorySync.syncStore(hash)), track(b.categorySync.syncStore(hash))];
    await waitFor(() => settled.length + gate.held >= 2, { what: 'one flush reading and the other settled' });
    expect({ reading: gate.held, settled }).toEqual({ reading: 1, settled: ['busy'] });
    gate.release();
    expect((await Promise.all(runs)).map((r) => r.outcome).sort()).toEqual(['busy', 'flushed']);
  });

  it('a full sync (the durable job) pages the whole catalog and records its size', async () => {
    const { store, hash, token } = newStore({ products: 520 });
    const { fullSync, scheduler, directory } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token } });
    expect((await fullSync.start(hash)).started).toBe(true);
    const r = await scheduler.run(hash, 'full');
    expect(r).toMatchObject({ outcome: 'flushed', mode: 'full', fetchRequests: 3, productsFetched: 520, dueAtMs: undefined });
    for (const p of store.products()) expect(managedOf(p.categories)).toEqual(expectedManaged(p));
    expect((await directory.get(hash))?.catalogTotal).toBe(520);
  });

  it('a bulk change that paging the catalog reads more cheaply goes to the full-sync job: GETs = catalog pages, every record completed', async () => {
    const { store, hash, token } = newStore();
    // 10-digit ids: about 170 fit one id:in URL, so 600 changed products would cost 4 reads; the
    // whole catalog (600, as a finished full sync recorded) is 3 pages of 250.
    store.seedProducts(600, { seed: 7, startId: 1_000_000_000 });
    const { scheduler, pending, directory } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token } });
    await directory.recordSync(hash, { syncedAtMs: Date.now(), catalogTotal: 600 });
    await pending.enqueue(hash, store.products().map((p) => p.id), 'bulk edit', Date.now() - 1_000);
    sandbox.resetStats();
    expect(await scheduler.run(hash)).toMatchObject({ outcome: 'flushed' });
    await expect.poll(async () => (await pending.load(hash)).length, { timeout: 20_000 }).toBe(0);
    expect(sandbox.stats(hash).productGets).toBe(3);
    for (const p of store.products()) expect(managedOf(p.categories)).toEqual(expectedManaged(p));
  });

  it('processes a large pending set in chunks of whole id:in requests: GETs stay at ceil(N / 250)', async () => {
    const { store, hash, token } = newStore({ products: 2_600 });
    const { categorySync, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, settings: { pageSize: 400, requestsPerChunk: 2 } });
    await pending.enqueue(hash, Array.from({ length: 2_600 }, (_, i) => i + 1), 'bulk', Date.now() - 1_000);
    const r = await categorySync.syncStore(hash);
    // 2,600 = 5 chunks of 500 (2 requests of 250) + 100: 11 GETs, the lower bound.
    expect(r).toMatchObject({ outcome: 'flushed', mode: 'batched', pendingRead: 2_600, productsFetched: 2_600, fetchRequests: 11, chunks: 6, completed: 2_600 });
    expect(sandbox.stats(hash).byRoute['GET /v3/catalog/products']).toBe(11);
    for (const p of store.products()) expect(managedOf(p.categories)).toEqual(expectedManaged(p));
    expect(await pending.load(hash)).toEqual([]);
  });

  // 10,000 good records at SCALE_FACTOR=1 (issue #12's acceptance size); 400 by default.
  const GOOD = Math.max(400, Math.round(10_000 * Number(process.env.SCALE_FACTOR ?? 0)));
  it(`isolation: among ${GOOD} good records, an invalid id and a product BigCommerce refuses to write are given up with their reason; the rest is processed`, async () => {
    // Reads lag 60 s: a product deleted now is still read, but BigCommerce refuses writes to it (422).
    const { store, hash, token } = newStore({ products: GOOD, consistencyDelayMs: 60_000 });
    const { categorySync, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token } });
    const doomed = store.products().find((p) => managedOf(p.categories).join() !== expectedManaged(p).join())!;
    store.deleteProduct(doomed.id);
    await pending.enqueue(hash, Array.from({ length: GOOD }, (_, i) => i + 1), 'bulk', Date.now() - 1_000);
    // A product id that is not a safe integer, as an older ingest stored it.
    await db.collection(COLLECTIONS.pending).doc(pendingDocId(hash, 1152921504606846976)).set({ storeHash: hash, productId: 1152921504606846976, lastSeenAt: new Date(Date.now() - 1_000), scopes: ['store/product/updated'] });
    const r = await categorySync.syncStore(hash);
    expect(r).toMatchObject({ outcome: 'flushed', completed: GOOD - 1, givenUp: 2 });
    expect(await pending.load(hash)).toEqual([]);
    const givenUp = (await db.collection(COLLECTIONS.givenUp).where('storeHash', '==', hash).get()).docs.map((d) => [d.get('productId') as number, d.get('reason') as string]);
    expect(givenUp).toEqual(
      expect.arrayContaining([
        [doomed.id, expect.stringMatching(/BigCommerce rejected the write \(BC_BAD_REQUEST 422/)],
        [1152921504606846976, 'invalid product id (not a positive safe integer)'],
      ]),
    );
    for (const p of store.products()) expect(managedOf(p.categories), `product ${p.id}`).toEqual(expectedManaged(p));
  });

  it('stale reads cost at most one extra read: an inventory event never makes a read stale, a product update is re-read once and then taken', async () => {
    const { store, hash, token } = newStore({ products: 10 });
    const { categorySync, pending, eventStore } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, settings: { missingMaxAttempts: 6, staleRetryMs: 100 } });
    const record = (scope: string, id: number, createdAtSeconds: number) => {
      const event = { scope, producer: `stores/${hash}`, hash: `${scope}${id}`, created_at: createdAtSeconds, data: { type: 'product', id } } as BigCommerceEvent;
      const planned = planEventWrites(event, { storeHash: hash, hash: `${scope}${id}`, messageId: undefined, publishTime: undefined, nowMs: Date.now() - 1_000, dedupeTtlMs: 1e6 });
      if (!planned.ok) throw new Error(planned.reason);
      return eventStore.record(planned.plan);
    };
    const now = Math.floor(Date.now() / 1000);
    // Products 1-3: inventory changes; their date_modified (seeded, months old) does not move.
    for (const id of [1, 2, 3]) await record('store/product/inventory/updated', id, now);
    // Product 4: not on sale, then an update (on sale) that stays unreadable longer than the one re-read waits.
    store.updateProduct(4, { sale_price: 0 });
    store.updateProduct(4, { sale_price: 3, price: 30 }, { invisibleForMs: 60_000 });
    // Its event is stamped a minute after the readable version's date_modified.
    await record('store/product/updated', 4, now + 60);

    const first = await categorySync.syncStore(hash);
    expect(first).toMatchObject({ outcome: 'flushed', pendingRead: 4, fetchRequests: 1, completed: 3, deferred: 1 });
    await expect
      .poll(async () => (await categorySync.syncStore(hash)).outcome === 'flushed' && (await pending.load(hash)).length === 0, { timeout: 10_000, interval: 100 })
      .toBe(true);
    // Two reads of product 4 in all (one extra), none more of 1-3; the stale read was taken as it was.
    expect(sandbox.stats(hash).byRoute['GET /v3/catalog/products']).toBe(2);
    expect(managedOf(store.product(4)!.categories)).not.toContain(50);
  });

  it('drops pending work of an uninstalled store without calling BigCommerce', async () => {
    const { hash, token } = newStore({ products: 5 });
    const { categorySync, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token } });
    await pending.enqueue(hash, [1, 2, 3], 'updated', Date.now() - 1_000);
    await db.collection(COLLECTIONS.stores).doc(hash).set({ status: 'uninstalled' }, { merge: true });
    expect(await categorySync.syncStore(hash)).toEqual({ outcome: 'uninstalled', dropped: 3 });
    expect(sandbox.stats(hash).requests).toBe(0);
  });

  it('on shutdown takes no new work and lets the running flush finish and release its lease', async () => {
    const { hash, token } = newStore({ products: 10 });
    const gate = gatedFetch(isProductRead);
    const { scheduler, pending } = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, fetch: gate.fetch, scheduler: { timers: true } });
    await pending.enqueue(hash, [1, 2, 3], 'updated', Date.now() - 1_000);
    const running = scheduler.run(hash);
    await gate.arrived; // mid-flush: the lease is held and the products are being read
    const stopped = scheduler.stop();
    expect(await scheduler.run(hash)).toEqual({ outcome: 'busy' }); // no new work once stopping
    scheduler.notify(hash); // and no timers either
    expect(scheduler.stats().timers).toBe(0);
    gate.release();
    expect(await running).toMatchObject({ outcome: 'flushed', completed: 3 });
    await stopped;
    expect((await db.collection(COLLECTIONS.leases).doc(hash).get()).exists).toBe(false);
    expect(await pending.load(hash)).toEqual([]);
  });
});
