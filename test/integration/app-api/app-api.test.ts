// The merchant app's API through buildApp().inject(): /load opens a session, every route is bound to
// the session's store (403 for another store, 401 for expired or forged), and rules, validation,
// history, rollback, categories, preview and explain work against the sandbox over real HTTP and
// the Firestore emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startSandbox, type Sandbox, type SandboxStore } from '../../../src/sandbox/index.ts';
import { signedPayload } from '../../../src/sandbox/oauth.ts';
import { createBigCommerceClient } from '../../../src/bigcommerce/client.ts';
import { createRateLimiterRegistry } from '../../../src/bigcommerce/rate-limiter.ts';
import { createFirestorePendingStore } from '../../../src/events/firestore-pending-store.ts';
import { createStoreDirectory } from '../../../src/stores/store-directory.ts';
import { createStoreRegistry } from '../../../src/stores/store-registry.ts';
import { createTokenCipher } from '../../../src/stores/token-cipher.ts';
import { createStoreRules } from '../../../src/stores/store-rules.ts';
import { appRoutes } from '../../../src/stores/app-routes.ts';
import { appApiPlugin } from '../../../src/app-api/app-api-plugin.ts';
import { createSessionTokens } from '../../../src/app-api/app-session.ts';
import { renderAppShell } from '../../../src/app-api/app-shell.ts';
import { createActivitySource, createSyncLog } from '../../../src/app-api/activity.ts';
import { createRulesService } from '../../../src/app-api/rules-service.ts';
import { createFirestoreProductHistory } from '../../../src/events/firestore-product-history.ts';
import { historyEntry, type HistorySummary } from '../../../src/events/product-history.ts';
import { createFirestoreFullSyncJobs, jobProgress } from '../../../src/category-sync/full-sync-job-store.ts';
import { planCategoryChanges, type ProductState } from '../../../src/rules/plan-category-changes.ts';
import type { Clock } from '../../../src/clock.ts';
import { testFirestore } from '../../helpers/firestore.ts';
import { testApp } from '../../helpers/app.ts';
import { TEST_KEY } from '../webhooks/lifecycle-harness.ts';

const { db, reset } = testFirestore('demo-app-api');
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let nowMs = Date.now();
const clock: Clock = { now: () => nowMs, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
let sandbox: Sandbox;
const A = 'apistorea';
const B = 'apistoreb';
let storeA: SandboxStore;
let storeB: SandboxStore;
/** A stand-in bundle: these tests drive the API, the browser test the real bundle. */
const ASSETS = { files: new Map([['app.js', { body: Buffer.from('/* app */'), type: 'text/javascript; charset=utf-8' }]]), version: 'test' };
const SALE = { rules: [{ name: 'sale', categoryId: 50, when: { field: 'sale_price', op: 'gt' as const, value: 0 } }] };

beforeAll(async () => {
  sandbox = await startSandbox({});
  storeA = sandbox.createStore({ hash: A, accessToken: 'token-a', seed: 1 });
  storeA.seedProducts(600, { seed: 1 });
  storeB = sandbox.createStore({ hash: B, accessToken: 'token-b', seed: 2 });
  storeB.seedProducts(20, { seed: 2 });
});
afterAll(async () => {
  await sandbox.close();
  await db.terminate();
});
beforeEach(async () => {
  await reset();
  nowMs = Date.now();
});

async function setup() {
  const cipher = createTokenCipher(TEST_KEY);
  const pending = createFirestorePendingStore(db, clock);
  const directory = createStoreDirectory({ db, cipher, logger });
  // The token probe is the uninstall path's; nothing here uninstalls.
  const registry = createStoreRegistry({ db, cipher, pending, logger, probeToken: () => Promise.resolve('valid') });
  await registry.install(A, { accessToken: 'token-a', scopes: [] }, nowMs);
  await registry.install(B, { accessToken: 'token-b', scopes: [] }, nowMs);
  const limiters = createRateLimiterRegistry({ clock, logger });
  const clientFor = (s: { storeHash: string; accessToken: string }) =>
    createBigCommerceClient({ apiUrl: sandbox.url, storeHash: s.storeHash, accessToken: s.accessToken, clock, logger, rateLimiter: limiters.forStore(s.storeHash), requestBudgetMs: 10_000 });
  const storeRules = createStoreRules({ db, clock });
  const history = createFirestoreProductHistory(db);
  const fullSyncJobs = createFirestoreFullSyncJobs(db);
  const syncs: string[] = [];
  const sessions = createSessionTokens({ clientSecret: sandbox.clientSecret, nowMs: () => nowMs, ttlMs: 60_000 });
  const plugins = [
    appRoutes({
      oauth: { clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, loginUrl: sandbox.url, redirectUri: 'https://app.example/auth' },
      registry,
      directory,
      registerWebhooks: () => Promise.resolve({ outcome: 'off', errors: [] }),
      firstSync: () => Promise.resolve(),
      clock,
      logger,
      openApp: (p) => renderAppShell({ ...sessions.issue({ storeHash: p.storeHash, userId: p.userId, email: p.userEmail }), storeHash: p.storeHash }, ASSETS),
    }),
    appApiPlugin({
      sessions,
      directory,
      storeRules,
      rules: createRulesService({ storeRules, startFullSync: (h) => Promise.resolve(syncs.push(h)), logger }),
      clientFor,
      activity: createActivitySource({ db, registry, pending, rateLimiters: limiters, syncLog: createSyncLog(db), clock, fullSync: { progress: async (h) => { const j = await fullSyncJobs.get(h); return j && jobProgress(j, clock.now()); } } }),
      history,
      clock,
      logger,
      assets: ASSETS,
    }),
  ];
  const { server } = await testApp(db, { extra: { plugins } });
  /** Opens the app like the control panel does and returns the session token from the page. */
  const open = async (hash: string) => {
    const res = await server.inject({ method: 'GET', url: `/load?signed_payload_jwt=${await signedPayload(hash, { nowMs })}` });
    expect(res.statusCode).toBe(200);
    return (JSON.parse(/<script type="application\/json" id="app-session">(.*?)<\/script>/.exec(res.body)?.[1] ?? 'null') as { token: string }).token;
  };
  const call = (token: string | undefined, method: 'GET' | 'PUT' | 'POST', path: string, payload?: unknown) =>
    server.inject({ method, url: path, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { server, open, call, syncs, storeRules, sessions, history, fullSyncJobs };
}

describe('app API', () => {
  it('/load answers the app shell with a session bound to the store; no cookie is set', async () => {
    const { server } = await setup();
    const res = await server.inject({ method: 'GET', url: `/load?signed_payload_jwt=${await signedPayload(A, { nowMs })}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toMatch(/"storeHash":"apistorea"/);
  });

  it('isolation: store A’s session gets 403 on every store B route and nothing of B changes', async () => {
    const { open, call, storeRules, syncs } = await setup();
    const tokenA = await open(A);
    const before = sandbox.stats(B).requests;
    const routes: [method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown][] = [
      ['GET', `/api/app/stores/${B}/rules`],
      ['PUT', `/api/app/stores/${B}/rules`, { ruleSet: SALE }],
      ['POST', `/api/app/stores/${B}/rules/validate`, { ruleSet: SALE }],
      ['GET', `/api/app/stores/${B}/rules/versions`],
      ['POST', `/api/app/stores/${B}/rules/rollback`, { version: 1 }],
      ['GET', `/api/app/stores/${B}/categories`],
      ['POST', `/api/app/stores/${B}/preview`, { ruleSet: SALE }],
      ['GET', `/api/app/stores/${B}/explain?product=1`],
      ['GET', `/api/app/stores/${B}/activity`],
      ['POST', `/api/app/stores/${B}/given-up/retry`, { productIds: [1] }],
      ['POST', `/api/app/stores/${B}/session`],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(tokenA, method, path, body);
      expect(res.statusCode, `${method} ${path}`).toBe(403);
      expect(res.json()).toMatchObject({ error: 'APP_SESSION_WRONG_STORE' });
    }
    expect(await storeRules.versions(B)).toEqual([]);
    expect(syncs).toEqual([]);
    expect(sandbox.stats(B).requests).toBe(before);
  });

  it('a missing, forged or expired session gets 401 and changes nothing', async () => {
    const { open, call, storeRules, sessions } = await setup();
    const token = await open(A);
    const forged = createSessionTokens({ clientSecret: 'not-the-secret', nowMs: () => nowMs }).issue({ storeHash: A }).token;
    const [v, , mac] = token.split('.');
    const swapped = `${v}.${Buffer.from(JSON.stringify({ s: A, x: nowMs + 1e9 })).toString('base64url')}.${mac}`;
    for (const t of [undefined, 'garbage', forged, swapped]) {
      const res = await call(t, 'PUT', `/api/app/stores/${A}/rules`, { ruleSet: SALE });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'APP_SESSION_INVALID' });
    }
    nowMs += 60_001;
    const expired = await call(token, 'PUT', `/api/app/stores/${A}/rules`, { ruleSet: SALE });
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ reason: 'expired' });
    expect(await storeRules.versions(A)).toEqual([]);
    // A fresh session from the refresh route works until its own expiry.
    const fresh = sessions.issue({ storeHash: A });
    expect((await call(fresh.token, 'POST', `/api/app/stores/${A}/session`)).statusCode).toBe(200);
  });

  it('rules: save with the user from the signed payload, invalid rules answer the field’s problem and save nothing, history and rollback start syncs', async () => {
    const { open, call, syncs } = await setup();
    const token = await open(A);
    expect((await call(token, 'GET', `/api/app/stores/${A}/rules`)).json()).toEqual({ source: 'none', version: 0, ruleSet: { rules: [] } });

    const bad = await call(token, 'PUT', `/api/app/stores/${A}/rules`, { ruleSet: { rules: [{ name: 'sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 'abc' } }] }, expectedVersion: 0 });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().issues).toEqual([{ path: ['rules', 0, 'when', 'value'], message: expect.stringMatching(/^must be a number or an ISO-8601 date/) as string }]);
    expect(syncs).toEqual([]);

    const v1 = await call(token, 'PUT', `/api/app/stores/${A}/rules`, { ruleSet: SALE, expectedVersion: 0 });
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toMatchObject({ version: 1, syncStarted: true, changes: { added: ['sale'] } });
    const conflict = await call(token, 'PUT', `/api/app/stores/${A}/rules`, { ruleSet: { rules: [] }, expectedVersion: 0 });
    expect(conflict.statusCode).toBe(409);
    expect((await call(token, 'PUT', `/api/app/stores/${A}/rules`, { ruleSet: { rules: [] }, expectedVersion: 1 })).statusCode).toBe(200);

    const versions = (await call(token, 'GET', `/api/app/stores/${A}/rules/versions`)).json().versions as { version: number; author: { userId: number; email: string } }[];
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[1]!.author).toEqual({ via: 'app', userId: 100, email: 'owner@sandbox.example' });

    const rb = await call(token, 'POST', `/api/app/stores/${A}/rules/rollback`, { version: 1, expectedVersion: 2 });
    expect(rb.json()).toMatchObject({ version: 3, restoredVersion: 1, syncStarted: true });
    expect((await call(token, 'GET', `/api/app/stores/${A}/rules`)).json()).toMatchObject({ source: 'store', version: 3, ruleSet: SALE });
    expect((await call(token, 'POST', `/api/app/stores/${A}/rules/rollback`, { version: 42 })).statusCode).toBe(404);
    expect(syncs).toEqual([A, A, A]);

    const valid = await call(token, 'POST', `/api/app/stores/${A}/rules/validate`, { ruleSet: { rules: [{ name: 'x', categoryId: 0, when: { field: 'price', op: 'gt', value: 1 } }] } });
    expect(valid.json()).toMatchObject({ valid: false, issues: [{ path: ['rules', 0, 'categoryId'], message: 'must be a positive integer' }] });
  });

  it('categories come from the store’s category tree with their paths', async () => {
    const { open, call } = await setup();
    const res = await call(await open(A), 'GET', `/api/app/stores/${A}/categories`);
    const cats = res.json().categories as { id: number; name: string; path: string[] }[];
    expect(cats.find((c) => c.id === 50)).toMatchObject({ name: 'Sale', path: ['Sale'] });
    expect(cats.find((c) => c.id === 60)).toMatchObject({ name: 'Clearance', path: ['Sale', 'Clearance'] });
  });

  it('preview: counts equal the plan of the whole catalog, ceil(N/250) reads, not one write; progress is streamed', async () => {
    const { open, call } = await setup();
    const token = await open(A);
    const before = sandbox.stats(A);
    const res = await call(token, 'POST', `/api/app/stores/${A}/preview`, { ruleSet: SALE, sampleSize: 3 });
    expect(res.statusCode).toBe(200);
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l) as { progress?: unknown; result?: Record<string, unknown> });
    expect(lines.filter((l) => l.progress)).toHaveLength(3);
    const result = lines.at(-1)!.result as { requests: number; productsRead: number; rules: { add: { count: number; sample: { id: number; sku: string }[] }; remove: { count: number } }[] };
    const after = sandbox.stats(A);
    expect(result.requests).toBe(Math.ceil(600 / 250));
    expect(after.productGets - before.productGets).toBe(3);
    expect(after.categoryWrites).toBe(before.categoryWrites);
    expect(after.productWrites).toBe(before.productWrites);
    const plan = planCategoryChanges(storeA.products() as unknown as ProductState[], SALE, nowMs);
    expect(result.productsRead).toBe(600);
    expect(result.rules[0]!.add.count).toBe(plan.assign.length);
    expect(result.rules[0]!.remove.count).toBe(plan.unassign[0]?.productIds.length ?? 0);
    expect(result.rules[0]!.add.sample.map((p) => p.id)).toEqual(plan.assign.slice(0, 3).map((a) => a.productId));
    expect(result.rules[0]!.add.sample[0]!.sku).toBe(storeA.product(plan.assign[0]!.productId)!.sku);
  });

  it('preview of invalid rules is a 422 with the issues, and reads nothing', async () => {
    const { open, call } = await setup();
    const token = await open(A);
    const before = sandbox.stats(A).productGets;
    const res = await call(token, 'POST', `/api/app/stores/${A}/preview`, { ruleSet: { rules: [{ name: 'x' }] } });
    expect(res.statusCode).toBe(422);
    expect(sandbox.stats(A).productGets).toBe(before);
  });

  it('explain: each rule’s tree with leaf verdicts, managed categories now vs desired; search by SKU; 404 for an unknown product', async () => {
    const { open, call } = await setup();
    const token = await open(A);
    await call(token, 'PUT', `/api/app/stores/${A}/rules`, {
      ruleSet: { rules: [{ name: 'sale-featured', categoryId: 50, when: { all: [{ field: 'sale_price', op: 'gt', value: 0 }, { field: 'is_featured', op: 'eq', value: true }] } }] },
    });
    const p = storeA.products().find((x) => x.sale_price > 0 && !x.is_featured && !x.categories.includes(50))!;
    const res = await call(token, 'GET', `/api/app/stores/${A}/explain?product=${p.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      product: { id: p.id, name: p.name, sku: p.sku },
      fields: [
        { field: 'is_featured', value: false },
        { field: 'sale_price', value: p.sale_price },
      ],
      rules: [{ name: 'sale-featured', verdict: false, condition: { kind: 'all', verdict: false, children: [{ field: 'sale_price', verdict: true }, { field: 'is_featured', verdict: false, actual: false }] } }],
      categories: [{ categoryId: 50, member: false, desired: false, change: 'none' }],
    });
    // No sync processed it yet: an empty history.
    expect(res.json().history).toEqual({ entries: [], lastRead: undefined, lastChange: undefined, givenUp: undefined });
    const search = await call(token, 'GET', `/api/app/stores/${A}/explain?q=${encodeURIComponent(p.sku)}`);
    expect(search.json().matches).toContainEqual({ id: p.id, name: p.name, sku: p.sku });
    expect((await call(token, 'GET', `/api/app/stores/${A}/explain?product=999999`)).statusCode).toBe(404);
    expect((await call(token, 'GET', `/api/app/stores/${A}/explain?product=abc`)).statusCode).toBe(400);
  });

  it('explain shows the product’s history: recent events, last read, last change written, given-up status with its reason', async () => {
    const { open, call, history } = await setup();
    const token = await open(A);
    await call(token, 'PUT', `/api/app/stores/${A}/rules`, { ruleSet: SALE });
    const p = storeA.products()[0]!;
    const pending = { events: 2, scopes: ['store/product/updated'], lastScope: 'store/product/updated', waitingSinceMs: 1_000, lastSeenAtMs: 2_000 };
    await history.record(A, [{ productId: p.id, entry: historyEntry({ productId: p.id, pending, read: { found: true, dateModified: '2026-11-01T00:00:00+00:00' }, added: [50], removed: [], outcome: 'completed' }, 3_000) }]);
    await history.record(A, [{ productId: p.id, entry: historyEntry({ productId: p.id, pending, read: undefined, added: [], removed: [], outcome: 'given-up', reason: 'read: 422 refused' }, 4_000) }]);
    // Another store's history of the same product id is not shown.
    await history.record(B, [{ productId: p.id, entry: historyEntry({ productId: p.id, pending: undefined, read: undefined, added: [], removed: [], outcome: 'retry' }, 5_000) }]);
    const x = (await call(token, 'GET', `/api/app/stores/${A}/explain?product=${p.id}`)).json<{ history: HistorySummary }>();
    expect(x.history.entries.map((e) => e.atMs)).toEqual([4_000, 3_000]);
    expect(x.history.entries[1]?.events).toEqual({ count: 2, scopes: ['store/product/updated'], lastScope: 'store/product/updated', firstAtMs: 1_000, lastAtMs: 2_000 });
    expect(x.history).toMatchObject({ lastRead: { atMs: 3_000, found: true, dateModified: '2026-11-01T00:00:00+00:00' }, lastChange: { atMs: 3_000, added: [50], removed: [] }, givenUp: { atMs: 4_000, reason: 'read: 422 refused' } });
  });

  it('activity: the store’s full-sync job with done / total, rate and ETA', async () => {
    const { open, call, fullSyncJobs } = await setup();
    const token = await open(A);
    expect((await call(token, 'GET', `/api/app/stores/${A}/activity`)).json().fullSync).toBeUndefined();
    await fullSyncJobs.start(A, nowMs - 10_000);
    await fullSyncJobs.advance(A, { cursor: 300, done: 300, total: 600, changed: 4, requests: 2, finished: false }, nowMs);
    const act = (await call(token, 'GET', `/api/app/stores/${A}/activity`)).json();
    expect(act.fullSync).toMatchObject({ state: 'running', done: 300, total: 600, ratePerSecond: 30, etaSeconds: 10 });
  });

  it('activity: pending count, given-up products and their retry', async () => {
    const { open, call } = await setup();
    const token = await open(A);
    const pending = createFirestorePendingStore(db, clock);
    await pending.enqueue(A, [5, 6], 'test', nowMs);
    const [p5] = (await pending.load(A)).filter((x) => x.productId === 5);
    await pending.giveUp(A, [{ productId: 5, version: p5!.version, attempts: 6 }], 'not found after repeated reads');
    const act = (await call(token, 'GET', `/api/app/stores/${A}/activity`)).json();
    expect(act).toMatchObject({ pending: 1, givenUp: [{ productId: 5, reason: 'not found after repeated reads', attempts: 6 }] });
    expect((await call(token, 'POST', `/api/app/stores/${A}/given-up/retry`, { productIds: [5] })).json()).toEqual({ queued: 1 });
    expect((await call(token, 'GET', `/api/app/stores/${A}/activity`)).json()).toMatchObject({ pending: 2, givenUp: [] });
  });
});
