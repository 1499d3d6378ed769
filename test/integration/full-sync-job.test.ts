// The durable full-sync job against the BigCommerce sandbox over real HTTP and the Firestore emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { expectedManaged, managedOf, testCategorySync } from '../helpers/category-sync.ts';
import { jobProgress } from '../../src/category-sync/full-sync-job-store.ts';

const { db, reset } = testFirestore('demo-full-sync-job');
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({});
});
afterAll(async () => {
  await sandbox.close();
  await db.terminate();
});
beforeEach(reset);

let n = 0;
function newStore(products: number) {
  n++;
  const hash = `job${n}${Date.now().toString(36)}`;
  const token = `tok-${hash}`;
  const store = sandbox.createStore({ hash, accessToken: token, seed: n, quota: 100_000 });
  store.seedProducts(products, { seed: n });
  return { store, hash, token };
}
const gets = (hash: string) => sandbox.stats(hash).byRoute['GET /v3/catalog/products'] ?? 0;
const wrong = (store: ReturnType<typeof newStore>['store']) => store.products().filter((p) => managedOf(p.categories).join() !== expectedManaged(p).join()).length;

describe('full-sync job', () => {
  it('pages the catalog by id in slices, resumes from its cursor in another instance, and spends exactly ceil(N / page) GETs', async () => {
    const { store, hash, token } = newStore(1_000);
    expect(wrong(store)).toBeGreaterThan(0);
    // A slice of ~0 ms does one page, then hands the store back: every page is a resume.
    const a = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, owner: 'a', fullSync: { sliceMs: 1, pageSize: 100 } });
    const b = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token }, owner: 'b', fullSync: { sliceMs: 1, pageSize: 100 } });
    expect((await a.fullSync.start(hash)).started).toBe(true);
    expect((await b.fullSync.start(hash)).started).toBe(false); // one job per store
    const first = await a.fullSync.runSlice(hash);
    expect(first).toMatchObject({ outcome: 'flushed', mode: 'full', fetchRequests: 1, productsFetched: 100 });
    const doc = (await db.collection(COLLECTIONS.fullSyncJobs).doc(hash).get()).data()!;
    expect(doc).toMatchObject({ state: 'running', cursor: 100, done: 100, total: 1_000 });
    // Instance a is gone; b carries on from the cursor.
    for (let i = 0; i < 20; i++) {
      const r = await b.fullSync.runSlice(hash);
      if (r.outcome === 'flushed' && r.dueAtMs === undefined) break;
    }
    const job = await b.fullSync.status();
    expect(job[hash]).toMatchObject({ state: 'done', done: 1_000, total: 1_000, cursor: 1_000, etaSeconds: 0 });
    expect(gets(hash)).toBe(10);
    expect(wrong(store)).toBe(0);
    expect((await b.directory.get(hash))?.catalogTotal).toBe(1_000);
    // Another start replaces the finished job.
    expect((await b.fullSync.start(hash)).started).toBe(true);
  });

  it('completes the pending records its pages answered, and leaves the ones it cannot vouch for', async () => {
    const { store, hash, token } = newStore(300);
    const t = await testCategorySync(db, { apiUrl: sandbox.url, store: { storeHash: hash, accessToken: token } });
    store.updateProduct(5, { sale_price: 1, price: 10 }, { invisibleForMs: 60_000 });
    await t.pending.enqueue(hash, [3, 5, 299, 5_000], 'updated', Date.now() - 1_000);
    // Product 5's newest change is newer than what reads show: the job must not complete it.
    await db.collection(COLLECTIONS.pending).doc(`${hash}_5`).update({ newestChangeEventCreatedAt: Math.floor(Date.now() / 1000) + 60 });
    await t.fullSync.start(hash);
    expect(await t.fullSync.runSlice(hash)).toMatchObject({ outcome: 'flushed', dueAtMs: undefined, fetchRequests: 2, completed: 2 });
    expect((await t.pending.load(hash)).map((p) => p.productId).sort((x, y) => x - y)).toEqual([5, 5_000]);
    expect(gets(hash)).toBe(2);
  });

  it('reports progress with rate and ETA', () => {
    const p = jobProgress({ storeHash: 'x', state: 'running', cursor: 500, done: 500, total: 2_000, changed: 3, requests: 2, startedAtMs: 0, updatedAtMs: 10_000, finishedAtMs: undefined }, 10_000);
    expect(p).toMatchObject({ done: 500, total: 2_000, ratePerSecond: 50, etaSeconds: 30, startedAt: '1970-01-01T00:00:00.000Z' });
    expect(jobProgress({ storeHash: 'x', state: 'running', cursor: 0, done: 0, total: undefined, changed: 0, requests: 0, startedAtMs: 0, updatedAtMs: 0, finishedAtMs: undefined }, 5_000)).toMatchObject({ ratePerSecond: undefined, etaSeconds: undefined });
  });
});
