// The webhook reconcile and gap backfill against the sandbox's GraphQL webhook API over real HTTP,
// with the Pub/Sub emulator (topic existence) and the Firestore emulator (registry, pending).
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { PubSub } from '@google-cloud/pubsub';
import { Timestamp } from '@google-cloud/firestore';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.ts';
import { COLLECTIONS } from '../../../src/firestore/collections.ts';
import { runCli } from '../../../src/cli/cli.ts';
import { webhooksGroup } from '../../../src/cli/webhooks.ts';
import { testFirestore } from '../../helpers/firestore.ts';
import { testApp } from '../../helpers/app.ts';
import { webhookTaskRoutes } from '../../../src/webhooks/task-routes.ts';
import { lifecycle, TEST_KEY } from './lifecycle-harness.ts';
import { JumpClock } from '../../helpers/wait.ts';

const PROJECT = 'demo-webhooks-reconcile';
const { db, reset } = testFirestore(PROJECT);
const pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: inject('pubsubHost') });
const TOPIC = `bc-hooks-${Date.now()}`;
const DEST = `projects/${PROJECT}/topics/${TOPIC}`;
const SCOPES = ['store/app/uninstalled', 'store/category/*', 'store/information/updated', 'store/product/*', 'store/sku/*'];
let sandbox: Sandbox;
/** The sandbox's clock: jumped a second ahead where a test needs product changes in a later second. */
const sandboxClock = new JumpClock();

beforeAll(async () => {
  await pubsub.createTopic(TOPIC);
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT }, clock: sandboxClock });
});
afterAll(async () => {
  await sandbox.close();
  await pubsub.close();
  await db.terminate();
});
beforeEach(async () => {
  await reset();
  sandbox.resetStats();
});

let n = 0;
async function installedStore(opts: { products?: number; installedAgoMs?: number } = {}) {
  n++;
  const hash = `rec${n}${Date.now().toString(36)}`;
  const token = `tok-${hash}`;
  const store = sandbox.createStore({ hash, accessToken: token, seed: n });
  store.seedProducts(opts.products ?? 20, { seed: n });
  const lc = await lifecycle(db, { apiUrl: sandbox.url, projectId: PROJECT, topic: TOPIC, ownClientId: sandbox.clientId });
  await lc.registry.install(hash, { accessToken: token, scopes: ['store_v2_products'] }, Date.now() - (opts.installedAgoMs ?? 0));
  return { hash, token, store, ...lc };
}
const hookState = (store: { hooks(): { scope: string; destination: string; isActive: boolean; status: string }[] }) =>
  store
    .hooks()
    .map((h) => `${h.scope} ${h.isActive ? 'on' : 'off'} ${h.status}`)
    .sort();
const allOn = SCOPES.map((s) => `${s} on ACTIVE`);

describe('reconcile against the sandbox', () => {
  it('registers every desired hook on a new store; a second run changes nothing and calls only the listing', async () => {
    const { hash, store, reconciler, registry } = await installedStore();
    const first = await reconciler.reconcileStore(hash);
    expect(first).toMatchObject({ outcome: 'reconciled', created: SCOPES, reactivated: [], deleted: [], errors: [] });
    expect(first.backfill).toBeUndefined(); // a fresh install is covered by its first full sync
    expect(hookState(store)).toEqual(allOn);
    expect(store.hooks().every((h) => h.destination === DEST && h.clientId === sandbox.clientId)).toBe(true);
    expect((await registry.lifecycle(hash))?.webhooksReconciledAtMs).toBeGreaterThan(0);

    sandbox.resetStats();
    const second = await reconciler.reconcileStore(hash);
    expect(second).toMatchObject({ outcome: 'reconciled', created: [], reactivated: [], deleted: [], actions: [], unchanged: 5, errors: [] });
    expect(second.backfill).toBeUndefined();
    expect(sandbox.stats(hash).byRoute).toEqual({ 'POST /graphql': 1 });
  });

  it('re-activates deactivated hooks and queues exactly the products changed since the last event', async () => {
    const { hash, store, reconciler, registry, pending, scheduler, close } = await installedStore({ products: 40 });
    await reconciler.reconcileStore(hash);
    // The service saw events until now; then BigCommerce deactivates the hooks (an outage).
    await db.collection(COLLECTIONS.stores).doc(hash).update({ lastEventAt: Timestamp.fromMillis(sandboxClock.now()) });
    sandboxClock.jump(1_100); // date_modified has seconds precision: later changes land in a later second
    store.deactivateHooks();
    const changed = [3, 5, 8, 13, 21, 34];
    const before = store.publishedEvents().length;
    store.bulkUpdate(changed, (p) => ({ sale_price: 1.11, price: p.price + 1 }));
    await store.flushEvents();
    expect(store.publishedEvents().length).toBe(before); // nothing delivered while off

    const r = await reconciler.reconcileStore(hash);
    expect(r).toMatchObject({ outcome: 'reconciled', created: [], reactivated: SCOPES, deleted: [], errors: [] });
    expect(r.backfill).toMatchObject({ reason: 'gap', products: changed.length, enqueued: changed.length });
    expect(hookState(store)).toEqual(allOn);
    expect((await pending.load(hash)).map((p) => p.productId).sort((a, b) => a - b)).toEqual(changed);
    expect(scheduler.stats().timers).toBe(1); // the backfill armed the store's sync timer
    await close();
    const life = await registry.lifecycle(hash);
    expect(life?.webhookGapSinceMs).toBeUndefined(); // closed
    expect(life?.lastBackfillAtMs).toBeGreaterThan(0);

    const again = await reconciler.reconcileStore(hash);
    expect(again).toMatchObject({ created: [], reactivated: [], deleted: [], actions: [] });
    expect(again.backfill).toBeUndefined();
  });

  it('keeps the gap open while a re-activation fails (publisher permission), heals it once the permission is back', async () => {
    const { hash, store, reconciler, registry, pending } = await installedStore({ products: 10 });
    await reconciler.reconcileStore(hash);
    await db.collection(COLLECTIONS.stores).doc(hash).update({ lastEventAt: Timestamp.fromMillis(sandboxClock.now()) });
    sandboxClock.jump(1_100);
    store.deactivateHooks();
    store.setTopicsWithoutPermission([DEST]);
    store.updateProduct(7, { price: 777.77 });

    const failing = await reconciler.reconcileStore(hash);
    expect(failing.outcome).toBe('partial');
    expect(failing.reactivated).toEqual([]);
    expect(failing.errors).toHaveLength(5);
    expect(failing.errors[0]).toMatchObject({ action: 'reactivate', code: 'WEBHOOK_TOPIC_PERMISSION', retryable: false });
    expect(failing.errors[0]?.message).toContain(`grant roles/pubsub.publisher on that topic to serviceAccount:webhook-deliveries@bigcommerce-platform.iam.gserviceaccount.com`);
    expect(failing.errors[0]?.message).toContain(DEST);
    expect(failing.backfill).toBeUndefined();
    expect(await pending.load(hash)).toEqual([]);
    const gap = (await registry.lifecycle(hash))?.webhookGapSinceMs;
    expect(gap).toBeGreaterThan(0);

    store.setTopicsWithoutPermission([]);
    const healed = await reconciler.reconcileStore(hash);
    expect(healed).toMatchObject({ outcome: 'reconciled', reactivated: SCOPES, errors: [] });
    expect(healed.backfill, JSON.stringify({ b: healed.backfill, p: await pending.load(hash) })).toMatchObject({ reason: 'gap', products: 1 });
    expect((await pending.load(hash)).map((p) => p.productId)).toEqual([7]);
    expect((await registry.lifecycle(hash))?.webhookGapSinceMs).toBeUndefined();
  });

  it('re-creates deleted hooks on a store it had set up, and backfills that gap too', async () => {
    const { hash, store, reconciler, pending } = await installedStore({ products: 10 });
    await reconciler.reconcileStore(hash);
    await db.collection(COLLECTIONS.stores).doc(hash).update({ lastEventAt: Timestamp.fromMillis(sandboxClock.now()) });
    sandboxClock.jump(1_100);
    const api = { graphql: (query: string) => fetch(`${sandbox.url}/stores/${hash}/graphql`, { method: 'POST', headers: { 'x-auth-token': `tok-${hash}`, 'content-type': 'application/json' }, body: JSON.stringify({ query }) }) };
    const productHook = store.hooks().find((h) => h.scope === 'store/product/*')!;
    const deleted = await api.graphql(`mutation { webhook { deleteWebhook(id: "bc/store/webhook/${productHook.id}") { id } } }`);
    expect(await deleted.json()).toEqual({ data: { webhook: { deleteWebhook: { id: `bc/store/webhook/${productHook.id}` } } } });
    store.updateProduct(2, { price: 1234 });
    const r = await reconciler.reconcileStore(hash);
    expect(r).toMatchObject({ created: ['store/product/*'], reactivated: [] });
    expect(r.backfill).toMatchObject({ reason: 'gap', products: 1 });
    expect((await pending.load(hash)).map((p) => p.productId)).toEqual([2]);
  });

  it("deletes our duplicates, leaves other apps' hooks and our other destinations alone; extraneous kept unless pruned", async () => {
    const { hash, store, reconciler } = await installedStore();
    const otherTopic = `other-${Date.now()}`;
    await pubsub.createTopic(otherTopic);
    const OTHER = `projects/${PROJECT}/topics/${otherTopic}`;
    const dupOld = store.addHook({ scope: 'store/product/*', destination: DEST, isActive: false });
    const dupNew = store.addHook({ scope: 'store/product/*', destination: DEST });
    const foreign = store.addHook({ scope: 'store/product/*', destination: DEST, clientId: 'another-app', isActive: false });
    const staging = store.addHook({ scope: 'store/product/*', destination: OTHER, isActive: false });
    const extra = store.addHook({ scope: 'store/cart/*', destination: DEST });

    const r = await reconciler.reconcileStore(hash);
    expect(r.outcome).toBe('reconciled');
    expect(r.created.sort()).toEqual(SCOPES.filter((s) => s !== 'store/product/*'));
    expect(r.deleted).toEqual([{ id: `bc/store/webhook/${dupOld.id}`, scope: 'store/product/*', reason: 'duplicate' }]);
    expect(r.extraneous).toEqual(['store/cart/*']);
    expect(r.foreign).toBe(2);
    const ids = store.hooks().map((h) => h.id);
    expect(ids).toContain(dupNew.id);
    expect(store.hooks().find((h) => h.id === foreign.id)?.isActive).toBe(false);
    expect(store.hooks().find((h) => h.id === staging.id)?.isActive).toBe(false);
    expect(ids).toContain(extra.id);

    const pruned = await reconciler.reconcileStore(hash, { prune: true });
    expect(pruned.deleted).toEqual([{ id: `bc/store/webhook/${extra.id}`, scope: 'store/cart/*', reason: 'undesired' }]);
    expect(store.hooks().map((h) => h.id)).not.toContain(extra.id);
  });

  it('reports a missing topic with an actionable error and registers nothing', async () => {
    const { hash, store, registry, pending } = await installedStore();
    const lc = await lifecycle(db, { apiUrl: sandbox.url, projectId: PROJECT, topic: 'never-created-topic', ownClientId: sandbox.clientId });
    const r = await lc.reconciler.reconcileStore(hash);
    expect(r.outcome).toBe('partial');
    expect(r.created).toEqual([]);
    expect(r.errors.map((e) => e.code)).toEqual(Array(5).fill('WEBHOOK_TOPIC_NOT_FOUND'));
    expect(r.errors[0]?.message).toMatch(/projects\/demo-webhooks-reconcile\/topics\/never-created-topic does not exist.*terraform apply/);
    expect(store.hooks()).toEqual([]);
    expect(await pending.load(hash)).toEqual([]);
    expect((await registry.lifecycle(hash))?.webhookGapSinceMs).toBeUndefined();
  });

  it('a revoked token fails the store with BC_UNAUTHORIZED and does not stop the other stores', async () => {
    const a = await installedStore();
    const b = await installedStore();
    await a.registry.install(a.hash, { accessToken: 'revoked-token', scopes: [] }, Date.now());
    const reports = await a.reconciler.reconcileAll();
    const byHash = new Map(reports.map((r) => [r.storeHash, r]));
    expect(byHash.get(a.hash)).toMatchObject({ outcome: 'failed', errors: [{ action: 'list', code: 'BC_UNAUTHORIZED' }] });
    expect(byHash.get(b.hash)).toMatchObject({ outcome: 'reconciled', created: SCOPES });
  });

  it('backfills a store that has been silent longer than the threshold, once per silence period', async () => {
    const { hash, store } = await installedStore({ products: 10, installedAgoMs: 3 * 3_600_000 });
    const lc = await lifecycle(db, { apiUrl: sandbox.url, projectId: PROJECT, topic: TOPIC, ownClientId: sandbox.clientId, silenceMs: 3_600_000 });
    store.updateProduct(4, { sale_price: 2.34 });
    // Nothing covered the store since its install 3 h ago (> 1 h): backfill since the install.
    const r = await lc.reconciler.reconcileStore(hash);
    expect(r).toMatchObject({ outcome: 'reconciled', created: SCOPES });
    expect(r.backfill).toMatchObject({ reason: 'silence', products: 1, enqueued: 1 });
    expect((await lc.pending.load(hash)).map((p) => p.productId)).toEqual([4]);
    const again = await lc.reconciler.reconcileStore(hash);
    expect(again.backfill).toBeUndefined();
  });

  it('an uninstalled store gets one BigCommerce call (the token probe, refused); its leftover token and pending work are dropped', async () => {
    const { hash, store, reconciler, registry, pending } = await installedStore();
    await pending.enqueue(hash, [1, 2], 'test', Date.now());
    await store.uninstall(); // BigCommerce revoked the token
    // What ingest writes for store/app/uninstalled (events/firestore-event-store.ts).
    await db.collection(COLLECTIONS.stores).doc(hash).set({ status: 'uninstalled', uninstalledAt: Timestamp.now(), uninstallEventCreatedAt: Math.floor(Date.now() / 1000) + 1 }, { merge: true });
    expect(await registry.uninstalledWithToken()).toEqual([hash]);
    sandbox.resetStats();
    const reports = await reconciler.reconcileAll();
    expect(reports).toEqual([expect.objectContaining({ storeHash: hash, outcome: 'uninstalled' })]);
    expect(sandbox.stats(hash).requests).toBe(1);
    expect(sandbox.stats(hash).status).toEqual({ '401': 1 });
    expect((await registry.lifecycle(hash))?.hasToken).toBe(false);
    expect(await pending.load(hash)).toEqual([]);
    expect(await registry.uninstalledWithToken()).toEqual([]);
  });
});

describe('an uninstall event whose token BigCommerce still accepts (replayed or forged)', () => {
  it('the sweep reverts the store to active, keeps token and work, records the refusal, and reconciles it as usual', async () => {
    const { hash, reconciler, registry, pending } = await installedStore();
    await pending.enqueue(hash, [1, 2], 'test', Date.now());
    await db.collection(COLLECTIONS.stores).doc(hash).set({ status: 'uninstalled', uninstalledAt: Timestamp.now(), uninstallEventCreatedAt: Math.floor(Date.now() / 1000) + 1 }, { merge: true });
    expect(await registry.settleUninstall(hash)).toEqual({ outcome: 'refused', dropped: 0 });
    expect(await registry.lifecycle(hash)).toMatchObject({ status: 'active', hasToken: true, uninstalledAtMs: undefined });
    expect((await pending.load(hash)).map((p) => p.productId)).toEqual([1, 2]);
    const refusals = await db.collection(COLLECTIONS.uninstallRefusals).where('storeHash', '==', hash).get();
    expect(refusals.docs.map((d) => ({ source: d.get('source') as unknown, reason: d.get('reason') as unknown }))).toEqual([{ source: 'event', reason: 'token-valid' }]);
    expect(await registry.uninstalledWithToken()).toEqual([]);
    expect((await reconciler.reconcileStore(hash)).outcome).toBe('reconciled');
  });
});

describe('POST /tasks/reconcile-webhooks', () => {
  it('reconciles one store (?store=) or all, and refuses a malformed hash', async () => {
    const { hash, store, reconciler } = await installedStore();
    const { server } = await testApp(db, { extra: { plugins: [webhookTaskRoutes({ reconciler, allowedEmails: [] })] } });
    const bad = await server.inject({ method: 'POST', url: '/tasks/reconcile-webhooks?store=a/b' });
    expect(bad.statusCode).toBe(400);
    const one = await server.inject({ method: 'POST', url: `/tasks/reconcile-webhooks?store=${hash}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ stores: 1, failed: 0, reports: [{ storeHash: hash, outcome: 'reconciled', created: SCOPES }] });
    expect(one.json().reports[0].hooks).toBeUndefined();
    expect(hookState(store)).toEqual(allOn);
    const all = await server.inject({ method: 'POST', url: '/tasks/reconcile-webhooks' });
    expect(all.json()).toMatchObject({ stores: 1, failed: 0, reports: [{ storeHash: hash, actions: [] }] });
    await server.close();
  });
});

describe('npm run cli -- webhooks list|sync', () => {
  it('lists what a sync would do, syncs, then lists everything as kept', async () => {
    const { hash, store } = await installedStore();
    store.addHook({ scope: 'store/product/*', destination: DEST, isActive: false });
    const env = {
      GOOGLE_CLOUD_PROJECT: PROJECT,
      FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
      BIGCOMMERCE_API_URL: sandbox.url,
      BIGCOMMERCE_CLIENT_ID: sandbox.clientId,
      APP_URL: 'https://app.example',
      TOKEN_ENCRYPTION_KEY: TEST_KEY.toString('hex'),
      WEBHOOK_TOPIC: TOPIC,
    };
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, [webhooksGroup], { out: (t) => out.push(t), err: (t) => err.push(t), env });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const listed = await run(['webhooks', 'list', '--store', hash]);
    expect(listed.code).toBe(0);
    expect(listed.out.split('\n')[0]).toMatch(/^STORE\s+ID\s+SCOPE\s+DESTINATION\s+STATUS\s+CLIENT\s+SYNC WOULD$/);
    expect(listed.out).toMatch(new RegExp(`${hash}\\s+bc/store/webhook/1\\s+store/product/\\*\\s+${DEST}\\s+INACTIVE\\s+${sandbox.clientId}\\s+reactivate`));
    expect(listed.out.match(/MISSING.*create/g)).toHaveLength(4);
    expect(store.hooks()).toHaveLength(1); // list changed nothing

    const synced = await run(['webhooks', 'sync', '--store', hash]);
    expect(synced.code).toBe(0);
    expect(synced.out).toMatch(new RegExp(`${hash}\\s+reconciled\\s+store/app/uninstalled,store/category/\\*,store/information/updated,store/sku/\\*\\s+store/product/\\*\\s+-`));
    expect(hookState(store)).toEqual(allOn);

    const after = await run(['webhooks', 'list']);
    expect(after.out.split('\n').slice(1).every((l) => l.endsWith('keep'))).toBe(true);
    expect(after.out.split('\n')).toHaveLength(6);

    expect((await run(['webhooks', 'sync', '--store', 'a/b'])).code).toBe(2);
    const noTopic = await runCli(['webhooks', 'list'], [webhooksGroup], { out: () => undefined, err: () => undefined, env: { ...env, WEBHOOK_TOPIC: '' } });
    expect(noTopic).toBe(1);
  });
});
