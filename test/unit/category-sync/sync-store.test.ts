// The category-sync orchestrator on in-memory fakes of our own interfaces (pending store, leases,
// store directory) and the BigCommerce sandbox started in-process: no Firestore, no Google SDK.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startSandbox, type Sandbox, type SandboxStore } from '../../../src/sandbox/index.ts';
import { createBigCommerceClient } from '../../../src/bigcommerce/client.ts';
import { ManualClock } from '../../../src/clock.ts';
import { createCategorySync, type CategorySyncSettings } from '../../../src/category-sync/sync-store.ts';
import { FakePendingStore } from '../../fakes/pending-store.ts';
import { FakeLeaseManager } from '../../fakes/lease-manager.ts';
import { FakeStoreDirectory } from '../../fakes/store-directory.ts';
import { RULES, expectedManaged, managedOf } from '../../helpers/category-sync.ts';
import type { HistoryEntry, ProductHistoryStore } from '../../../src/events/product-history.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: 'demo-sync-unit' } });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.resetStats());

const SETTINGS: CategorySyncSettings = { windowMs: 1_000, maxWaitMs: 5_000, missingMaxAttempts: 3, missingRetryMs: 5_000, staleToleranceMs: 10_000, staleRetryMs: 20_000, fetchConcurrency: 2, maxUrlLength: 2047 };

let n = 0;
/** A sandbox store, its sync on fakes, and a hook that runs during the first BigCommerce call. */
function setup(o: { products?: number; rules?: boolean; settings?: Partial<CategorySyncSettings>; catalogTotal?: number; history?: ProductHistoryStore } = {}) {
  n++;
  const hash = `unit${n}${Date.now().toString(36)}`;
  const token = `tok-${hash}`;
  const store: SandboxStore = sandbox.createStore({ hash, accessToken: token, seed: n });
  if (o.products) store.seedProducts(o.products, { seed: n });
  const clock = new ManualClock(Date.now());
  const pending = new FakePendingStore(clock);
  const leases = new FakeLeaseManager();
  const directory = new FakeStoreDirectory();
  directory.set({ storeHash: hash, accessToken: token, ruleSet: o.rules === false ? undefined : RULES, catalogTotal: o.catalogTotal });
  const fullSyncsStarted: string[] = [];
  const hooks: { duringRead?: () => void } = {};
  const fetchWithHook: typeof fetch = (input, init) => {
    const during = hooks.duringRead;
    hooks.duringRead = undefined;
    during?.();
    return fetch(input, init);
  };
  const sync = createCategorySync({
    pending,
    leases,
    directory,
    clientFor: (s) => createBigCommerceClient({ apiUrl: sandbox.url, storeHash: s.storeHash, accessToken: s.accessToken, fetch: fetchWithHook, requestBudgetMs: 5_000 }),
    clock,
    logger: pino({ level: 'silent' }),
    settings: { ...SETTINGS, ...o.settings },
    startFullSyncJob: (h) => {
      fullSyncsStarted.push(h);
      return Promise.resolve();
    },
    ...(o.history ? { history: o.history } : {}),
  });
  /** Pending records for these products, old enough to be due now. */
  const due = (ids: number[], extra: { deleted?: boolean; newestEventAtMs?: number; newestChangeEventAtMs?: number } = {}) => ids.map((id) => pending.touch(hash, id, { atMs: clock.now() - 2_000, ...extra }));
  return { hash, store, clock, pending, leases, directory, hooks, sync, due, fullSyncsStarted };
}

describe('category sync orchestrator', () => {
  it('a bulk change costing more id:in reads than paging the catalog hands over to the full-sync job, reading nothing itself', async () => {
    const t = setup({ products: 600, catalogTotal: 600 });
    t.due(t.store.products().map((p) => p.id)); // 3 id:in reads against 3 pages: a tie stays by id
    const tie = await t.sync.syncStore(t.hash);
    expect(tie).toMatchObject({ outcome: 'flushed', mode: 'batched', fetchRequests: 3 });
    expect(t.fullSyncsStarted).toEqual([]);

    const bulk = setup({ products: 600, catalogTotal: 400 });
    bulk.due(bulk.store.products().map((p) => p.id)); // 3 id:in reads against 2 pages
    expect(await bulk.sync.syncStore(bulk.hash)).toMatchObject({ outcome: 'flushed', mode: 'full', fetchRequests: 0, dueAtMs: undefined });
    expect(bulk.fullSyncsStarted).toEqual([bulk.hash]);
    expect(sandbox.stats(bulk.hash).requests).toBe(0);
    expect(await bulk.pending.load(bulk.hash)).toHaveLength(600); // the job completes them as its pages answer
    expect(bulk.leases.isHeld(bulk.hash)).toBe(false);
  });


  it('ready: reads the due products, writes the rules’ changes, completes the records and records the sync', async () => {
    const t = setup({ products: 30 });
    t.due(t.store.products().map((p) => p.id));
    const r = await t.sync.syncStore(t.hash);
    expect(r).toMatchObject({ outcome: 'flushed', mode: 'batched', pendingRead: 30, productsFetched: 30, completed: 30, missing: 0, dueAtMs: undefined });
    for (const p of t.store.products()) expect(managedOf(p.categories), `product ${p.id}`).toEqual(expectedManaged(p));
    expect(await t.pending.load(t.hash)).toEqual([]);
    expect(t.directory.syncs).toMatchObject([{ storeHash: t.hash, syncedAtMs: t.clock.now() }]);
    expect(t.leases.isHeld(t.hash)).toBe(false);
  });

  it('history: one entry per processed product per chunk; a failing history write does not fail the sync', async () => {
    const recorded: { productId: number; entry: HistoryEntry }[][] = [];
    const history: ProductHistoryStore = { record: (_h, items) => Promise.resolve(void recorded.push([...items])), read: () => Promise.resolve([]) };
    const t = setup({ products: 10, history });
    t.due(t.store.products().map((p) => p.id));
    expect(await t.sync.syncStore(t.hash)).toMatchObject({ outcome: 'flushed', completed: 10 });
    expect(recorded.flat().map((x) => x.productId).sort((a, b) => a - b)).toEqual(t.store.products().map((p) => p.id).sort((a, b) => a - b));
    expect(recorded.flat().every((x) => x.entry.atMs === t.clock.now() && x.entry.outcome === 'completed' && x.entry.read?.found === true)).toBe(true);

    const broken = setup({ products: 5, history: { record: () => Promise.reject(new Error('firestore down')), read: () => Promise.resolve([]) } });
    broken.due(broken.store.products().map((p) => p.id));
    expect(await broken.sync.syncStore(broken.hash)).toMatchObject({ outcome: 'flushed', completed: 5 });
    expect(await broken.pending.load(broken.hash)).toEqual([]);
  });

  it('not due: inside the debounce window nothing is read, and it says when to come back', async () => {
    const t = setup({ products: 3 });
    t.pending.touch(t.hash, 1, { atMs: t.clock.now() });
    expect(await t.sync.syncStore(t.hash)).toEqual({ outcome: 'not-due', dueAtMs: t.clock.now() + SETTINGS.windowMs });
    expect(sandbox.stats(t.hash).requests).toBe(0);
  });

  it('busy: another holder of the lease means no work at all', async () => {
    const t = setup({ products: 3 });
    t.due([1]);
    await t.leases.tryAcquire(t.hash);
    expect(await t.sync.syncStore(t.hash)).toEqual({ outcome: 'busy' });
    expect(await t.pending.load(t.hash)).toHaveLength(1);
  });

  it('missing: a product absent right after its event is deferred with its attempt counted', async () => {
    const t = setup({ products: 3 });
    t.due([999]);
    const r = await t.sync.syncStore(t.hash);
    expect(r).toMatchObject({ outcome: 'flushed', missing: 1, deferred: 1, completed: 0, dueAtMs: t.clock.now() + 5_000 });
    expect(t.pending.get(t.hash, 999)).toMatchObject({ attempts: 1, notBeforeMs: t.clock.now() + 5_000 });
  });

  it('exhausted: absent on the last attempt, the record is given up with a trace', async () => {
    const t = setup({ products: 3, settings: { missingMaxAttempts: 1 } });
    t.due([999]);
    expect(await t.sync.syncStore(t.hash)).toMatchObject({ outcome: 'flushed', missing: 1, givenUp: 1, deferred: 0 });
    expect(t.pending.givenUp).toEqual([{ storeHash: t.hash, productId: 999, attempts: 1, reason: 'not found after repeated reads' }]);
    expect(await t.pending.load(t.hash)).toEqual([]);
  });

  it('deleted: absent after a delete event is done, not retried', async () => {
    const t = setup({ products: 5 });
    t.store.deleteProduct(4);
    t.due([4], { deleted: true });
    expect(await t.sync.syncStore(t.hash)).toMatchObject({ outcome: 'flushed', productsFetched: 0, completed: 1, missing: 0 });
    expect(await t.pending.load(t.hash)).toEqual([]);
  });

  it('stale: a read older than the newest date_modified-moving event is not given to the rules and is read once more later', async () => {
    const t = setup({ products: 5 });
    const changed = t.store.updateProduct(2, { sale_price: 7, price: 20 }, { invisibleForMs: 60_000 });
    t.due([2], { newestChangeEventAtMs: Date.parse(changed.date_modified) + 60_000 });
    const r = await t.sync.syncStore(t.hash);
    expect(r).toMatchObject({ outcome: 'flushed', productsFetched: 1, deferred: 1, changedProducts: 0, writes: { assignRequests: 0, unassignRequests: 0 } });
    expect(t.pending.get(t.hash, 2)).toMatchObject({ attempts: 0, staleRereads: 1, notBeforeMs: t.clock.now() + SETTINGS.staleRetryMs });
  });

  it('bounded: pages the pending set and reads it in chunks, never holding more than a page of records', async () => {
    const t = setup({ products: 1_200, settings: { pageSize: 100, requestsPerChunk: 1 } });
    t.due(t.store.products().map((p) => p.id));
    const r = await t.sync.syncStore(t.hash);
    expect(r).toMatchObject({ outcome: 'flushed', pendingRead: 1_200, fetchRequests: 5, chunks: 5, completed: 1_200 });
    expect(t.pending.largestPage).toBeLessThanOrEqual(100);
    for (const p of t.store.products()) expect(managedOf(p.categories)).toEqual(expectedManaged(p));
  });

  it('touched meanwhile: a record an event changed during the sync stays pending; the others complete', async () => {
    const t = setup({ products: 10 });
    t.due([1, 2]);
    t.hooks.duringRead = () => t.pending.touch(t.hash, 2, { atMs: t.clock.now() });
    const r = await t.sync.syncStore(t.hash);
    expect(r).toMatchObject({ outcome: 'flushed', completed: 1, keptForNextFlush: 1 });
    expect((await t.pending.load(t.hash)).map((p) => p.productId)).toEqual([2]);
    expect(r.outcome === 'flushed' && r.dueAtMs).toBe(t.clock.now() + SETTINGS.windowMs);
  });

  it('lease lost during the read: nothing is written and every record stays', async () => {
    const t = setup({ products: 10 });
    t.due([1, 2, 3]);
    t.hooks.duringRead = () => t.leases.takeOver(t.hash);
    expect(await t.sync.syncStore(t.hash)).toEqual({ outcome: 'lease-lost' });
    expect(sandbox.stats(t.hash).categoryWrites).toBe(0);
    expect(await t.pending.load(t.hash)).toHaveLength(3);
  });

  it('no rules: completes the records without calling BigCommerce', async () => {
    const t = setup({ products: 3, rules: false });
    t.due([1, 2]);
    expect(await t.sync.syncStore(t.hash)).toMatchObject({ outcome: 'flushed', mode: 'no-rules', completed: 2, fetchRequests: 0 });
    expect(sandbox.stats(t.hash).requests).toBe(0);
  });

  it('uninstalled, unknown or without a token: no BigCommerce call', async () => {
    const t = setup({ products: 3 });
    t.due([1, 2]);
    t.directory.set({ storeHash: t.hash, status: 'uninstalled' });
    expect(await t.sync.syncStore(t.hash)).toEqual({ outcome: 'uninstalled', dropped: 2 });
    expect(await t.sync.syncStore('nobody')).toEqual({ outcome: 'unknown-store' });
    t.directory.set({ storeHash: t.hash });
    expect(await t.sync.syncStore(t.hash)).toEqual({ outcome: 'no-credentials' });
    expect(sandbox.stats(t.hash).requests).toBe(0);
  });

  it('full mode reads every pending record at once (no debounce), and releases the lease when BigCommerce fails', async () => {
    const t = setup({ products: 260 });
    t.pending.touch(t.hash, 3, { atMs: t.clock.now() }); // just arrived: not due in auto mode
    expect(await t.sync.syncStore(t.hash)).toMatchObject({ outcome: 'not-due' });
    expect(await t.sync.syncStore(t.hash, 'full')).toMatchObject({ outcome: 'flushed', fetchRequests: 1, productsFetched: 1, completed: 1 });

    t.due([1]);
    t.directory.set({ storeHash: t.hash, accessToken: 'revoked', ruleSet: RULES });
    await expect(t.sync.syncStore(t.hash)).rejects.toMatchObject({ code: 'BC_UNAUTHORIZED' });
    expect(t.leases.isHeld(t.hash)).toBe(false);
    expect(await t.pending.load(t.hash)).toHaveLength(1);
  });
});
