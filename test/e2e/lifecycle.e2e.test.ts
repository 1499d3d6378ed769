// Acceptance (lifecycle), end to end: the real service (src/main.ts as a process) on the Firestore
// emulator, webhooks delivered by the sandbox through the Pub/Sub emulator's push subscription, the
// sandbox playing BigCommerce (OAuth, GraphQL webhooks, catalog). Two stores are installed through
// /auth; one has its hooks deactivated while 50 products change; reconcile re-activates and backfills;
// replayed uninstall signals (a /load payload sent to /uninstall, an uninstall event) change nothing;
// then that store is uninstalled while the other keeps working.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { startSandbox, type Sandbox, type SandboxStore } from '../../src/sandbox/index.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { createFirestorePendingStore } from '../../src/events/firestore-pending-store.ts';
import { RULES_JSON, expectedManaged, managedOf } from '../../scripts/lib/storm.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { createStoreRules } from '../../src/stores/store-rules.ts';
import { systemClock } from '../../src/clock.ts';
import { startService, type ServiceProcess } from '../helpers/service.ts';
import { freePort } from '../../scripts/lib/emulators.ts';

const PROJECT = 'demo-e2e-lifecycle';
const { db, reset } = testFirestore(PROJECT);
const pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: inject('pubsubHost') });
const TOPIC = `lifecycle-${Date.now()}`;
const DEST = `projects/${PROJECT}/topics/${TOPIC}`;
const A = `alpha${Date.now().toString(36)}`;
const B = `bravo${Date.now().toString(36)}`;
const SCOPES = ['store/app/uninstalled', 'store/category/*', 'store/information/updated', 'store/product/*', 'store/sku/*'];
// Store B has rules of its own (a different category), A uses CATEGORY_RULES_FILE.
const B_RULES = { rules: [{ name: 'b-on-sale', categoryId: 60, when: { field: 'sale_price', op: 'gt', value: 0 } }] };
const expectedB = (p: { sale_price: number }) => (p.sale_price > 0 ? [60] : []);
const managedB = (c: number[]) => c.filter((x) => x === 60 || (x >= 50 && x <= 52));

let sandbox: Sandbox;
let service: ServiceProcess;
let storeA: SandboxStore;
let storeB: SandboxStore;

const wrongA = () => storeA.products().filter((p) => managedOf(p.categories).join() !== expectedManaged(p).join()).map((p) => p.id);
const wrongB = () => storeB.products().filter((p) => managedB(p.categories).join() !== expectedB(p).join()).map((p) => p.id);
const activeHooks = (s: SandboxStore) => s.hooks().filter((h) => h.isActive && h.destination === DEST).map((h) => h.scope).sort();
const storeDoc = async (hash: string) => (await db.collection(COLLECTIONS.stores).doc(hash).get()).data();
const post = async (path: string) => {
  const r = await fetch(`${service.url}${path}`, { method: 'POST' });
  expect(r.status, path).toBe(200);
  return (await r.json()) as { reports: { storeHash: string; outcome: string; created: string[]; reactivated: string[]; deleted: unknown[]; actions: unknown[]; backfill?: { reason: string; products: number } }[] };
};
let rnd = 11;
const rand = () => ((rnd = (rnd * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
/** A real change to every given product that flips at least one rule input. */
const change = (s: SandboxStore, ids: number[]) =>
  s.bulkUpdate(ids, (p) => ({ sale_price: p.sale_price > 0 ? 0 : Math.round(rand() * 4000) / 100 + 1, is_featured: !p.is_featured, inventory_level: Math.floor(rand() * 12) }));

beforeAll(async () => {
  await reset();
  // The app's auth callback is registered with (sandbox) BigCommerce before the service starts, as in
  // the developer portal: the token exchange must send exactly it as redirect_uri.
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  sandbox = await startSandbox({
    pubsub: { projectId: PROJECT, apiEndpoint: inject('pubsubHost') },
    authCallbackUrl: `${appUrl}/auth`,
    uninstallCallbackUrl: `${appUrl}/uninstall`,
  });
  const [topic] = await pubsub.createTopic(TOPIC);
  storeA = sandbox.createStore({ hash: A, accessToken: `initial-${A}`, seed: 1 });
  storeA.seedProducts(300, { seed: 1 });
  storeB = sandbox.createStore({ hash: B, accessToken: `initial-${B}`, seed: 2 });
  storeB.seedProducts(300, { seed: 2 });
  await createStoreRules({ db, clock: systemClock }).save(B, B_RULES, { author: { via: 'cli' } });

  const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
  const rulesFile = join(dir, 'rules.json');
  writeFileSync(rulesFile, JSON.stringify(RULES_JSON));
  service = await startService({
    GOOGLE_CLOUD_PROJECT: PROJECT,
    FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
    PUBSUB_EMULATOR_HOST: inject('pubsubHost'),
    PUSH_AUTH: 'none',
    BIGCOMMERCE_API_URL: sandbox.url,
    BIGCOMMERCE_LOGIN_URL: sandbox.url,
    BIGCOMMERCE_CLIENT_ID: sandbox.clientId,
    BIGCOMMERCE_CLIENT_SECRET: sandbox.clientSecret,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    APP_URL: appUrl,
    WEBHOOK_TOPIC: TOPIC,
    CATEGORY_RULES_FILE: rulesFile,
    DEBOUNCE_WINDOW_SECONDS: '1',
    DEBOUNCE_MAX_WAIT_SECONDS: '5',
  }, { port });
  // No retry policy on the emulator (it loses deliveries after an endpoint outage when one is set).
  await topic.createSubscription(`${TOPIC}-push`, { pushConfig: { pushEndpoint: `${service.url}/pubsub/push` }, ackDeadlineSeconds: 30 });
});
afterAll(async () => {
  await service?.stop('SIGTERM');
  await sandbox?.close();
  await pubsub.close();
  await db.terminate();
});

describe('lifecycle end to end', () => {
  it('two stores install through /auth, get their hooks and a first sync, and are processed with their own token and rules', async () => {
    for (const hash of [A, B]) {
      const res = await fetch(`${service.url}${sandbox.install(hash).authPath}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Store events are subscribed.');
    }
    expect(activeHooks(storeA)).toEqual(SCOPES);
    expect(activeHooks(storeB)).toEqual(SCOPES);
    for (const hash of [A, B]) {
      const doc = (await storeDoc(hash))!;
      expect(doc.status).toBe('active');
      expect(typeof doc.accessTokenEnc).toBe('string');
      // The token the sandbox issued through OAuth, not the initial one, is what the service holds.
      const issued = sandbox.store(hash).tokens().filter((t) => !t.accessToken.startsWith('initial-'));
      expect(issued).toHaveLength(1);
      expect(JSON.stringify(doc)).not.toContain(issued[0]!.accessToken);
    }
    // The first full sync (kicked off by /auth) brings both catalogs in line with their own rules.
    await expect.poll(() => wrongA().length, { timeout: 60_000, interval: 250 }).toBe(0);
    await expect.poll(() => wrongB().length, { timeout: 60_000, interval: 250 }).toBe(0);
    expect(storeB.products().some((p) => p.categories.includes(60))).toBe(true);
    expect(storeB.products().every((p) => !p.categories.some((c) => c >= 50 && c <= 52))).toBe(true);

    // Webhook-driven changes in both stores.
    change(storeA, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => storeA.products()[i]!.id));
    change(storeB, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => storeB.products()[i]!.id));
    await Promise.all([storeA.flushEvents(), storeB.flushEvents()]);
    await expect.poll(() => wrongA().length + wrongB().length, { timeout: 60_000, interval: 250 }).toBe(0);
    await expect.poll(async () => (await storeDoc(A))?.lastEventAt !== undefined, { timeout: 30_000 }).toBe(true);
    expect(sandbox.stats(A).status['401'] ?? 0).toBe(0);
    expect(sandbox.stats(B).status['401'] ?? 0).toBe(0);
  }, 120_000);

  it('hooks deactivated while 50 products change: reconcile re-activates them and the 50 end in the right categories; a second reconcile changes nothing', async () => {
    storeA.deactivateHooks();
    const published = storeA.publishedEvents().length;
    const ids = storeA
      .products()
      .slice(100, 150)
      .map((p) => p.id);
    change(storeA, ids);
    await storeA.flushEvents();
    expect(storeA.publishedEvents().length).toBe(published); // nothing was delivered
    expect(ids.filter((id) => wrongA().includes(id)).length).toBeGreaterThan(40); // they are wrong now

    const first = await post('/tasks/reconcile-webhooks');
    const a = first.reports.find((r) => r.storeHash === A)!;
    const b = first.reports.find((r) => r.storeHash === B)!;
    expect(a).toMatchObject({ outcome: 'reconciled', created: [], reactivated: SCOPES, deleted: [] });
    expect(a.backfill?.reason).toBe('gap');
    expect(a.backfill?.products).toBeGreaterThanOrEqual(50);
    expect(b).toMatchObject({ outcome: 'reconciled', actions: [] });
    expect(b.backfill).toBeUndefined();
    expect(activeHooks(storeA)).toEqual(SCOPES);

    await expect.poll(() => wrongA(), { timeout: 60_000, interval: 250 }).toEqual([]);
    expect(wrongB()).toEqual([]);

    const second = await post('/tasks/reconcile-webhooks');
    for (const r of second.reports) {
      expect(r, r.storeHash).toMatchObject({ outcome: 'reconciled', created: [], reactivated: [], deleted: [], actions: [] });
      expect(r.backfill, r.storeHash).toBeUndefined();
    }
    // Deliveries work again.
    const one = storeA.products()[200]!.id;
    change(storeA, [one]);
    await expect.poll(() => wrongA(), { timeout: 30_000, interval: 250 }).toEqual([]);
  }, 120_000);

  it('a /load payload replayed to /uninstall, and a replayed uninstall event, leave the store installed and working', async () => {
    // The payload of an ordinary app load (valid for 24 h, it travels in iframe URLs and logs) ...
    const loadPayload = await sandbox.signedPayload(A);
    expect((await fetch(`${service.url}/load?signed_payload_jwt=${loadPayload}`)).status).toBe(200);
    // ... replayed to /uninstall: BigCommerce still accepts the store's token, so nothing is forgotten.
    const replay = await fetch(`${service.url}/uninstall?signed_payload_jwt=${loadPayload}`);
    expect(replay.status).toBe(409);
    expect(await replay.json()).toEqual({ ok: false, outcome: 'refused' });
    expect(await storeDoc(A)).toMatchObject({ status: 'active', accessTokenEnc: expect.any(String) });

    // An uninstall event while the app is installed (republished, or forged into the topic): the service
    // records it, asks BigCommerce, and puts the store back to active.
    storeA.emitEvent('store/app/uninstalled', { type: 'store' });
    await storeA.flushEvents();
    const refusals = async () =>
      (await db.collection(COLLECTIONS.uninstallRefusals).where('storeHash', '==', A).get()).docs.map((d) => `${d.get('source') as string}:${d.get('reason') as string}`).sort();
    await expect.poll(refusals, { timeout: 30_000, interval: 250 }).toEqual(['callback:token-valid', 'event:token-valid']);
    await expect.poll(async () => (await storeDoc(A))?.status as string | undefined, { timeout: 30_000 }).toBe('active');
    expect(typeof (await storeDoc(A))?.accessTokenEnc).toBe('string');

    // And it keeps working: merchant edits still land in the right categories.
    change(storeA, storeA.products().slice(220, 230).map((p) => p.id));
    await storeA.flushEvents();
    await expect.poll(() => wrongA(), { timeout: 30_000, interval: 250 }).toEqual([]);
    expect(activeHooks(storeA)).toEqual(SCOPES);
  }, 120_000);

  it('uninstalling one store stops all work for it, drops its pending work and token; the other is unaffected', async () => {
    const pending = createFirestorePendingStore(db);
    await pending.enqueue(A, [1, 2, 3], 'test', Date.now());
    const forged = await fetch(`${service.url}/uninstall?signed_payload_jwt=${await sandbox.signedPayload(A, { secret: 'forged' })}`);
    expect(forged.status).toBe(401);
    expect((await storeDoc(A))?.status).toBe('active');
    expect((await pending.load(A)).map((p) => p.productId)).toEqual(expect.arrayContaining([1, 2, 3]));

    // BigCommerce's app uninstall: hooks deleted, token revoked, the app's /uninstall callback called.
    // No store/app/uninstalled event (that means the store was cancelled): the callback alone must
    // stop the store and forget its token.
    const published = storeA.publishedEvents().length;
    expect(await storeA.uninstall()).toEqual({ callbackStatus: 200 });
    await storeA.flushEvents();
    expect(storeA.publishedEvents().slice(published).map((e) => e.body.scope)).not.toContain('store/app/uninstalled');
    expect(storeA.hooks()).toEqual([]);
    const doc = await storeDoc(A);
    expect(doc?.status).toBe('uninstalled');
    expect(doc?.accessTokenEnc).toBeUndefined();
    expect(await pending.load(A)).toEqual([]);
    // A replayed callback is harmless (idempotent).
    const res = await fetch(`${service.url}/uninstall?signed_payload_jwt=${await sandbox.signedPayload(A)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, outcome: 'uninstalled' });

    sandbox.resetStats();
    storeA.emitEvent('store/product/updated', { type: 'product', id: 5 }); // nowhere to go: no hooks left
    change(storeA, [storeA.products()[0]!.id]);
    await post('/tasks/reconcile-webhooks');
    await post('/tasks/flush');
    await post(`/tasks/full-sync?store=${A}`);
    expect(sandbox.stats(A).requests).toBe(0);

    // B keeps its token, hooks and processing.
    expect(typeof (await storeDoc(B))?.accessTokenEnc).toBe('string');
    expect(activeHooks(storeB)).toEqual(SCOPES);
    change(storeB, storeB.products().slice(20, 25).map((p) => p.id));
    await expect.poll(() => wrongB(), { timeout: 30_000, interval: 250 }).toEqual([]);
    expect(sandbox.stats(B).requests).toBeGreaterThan(0);
    expect(sandbox.stats(A).requests).toBe(0);
  }, 120_000);
});
