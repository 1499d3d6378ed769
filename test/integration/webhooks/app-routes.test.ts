// The app callbacks (/auth, /load, /uninstall) through buildApp().inject(), with the sandbox playing
// the OAuth token endpoint and the GraphQL webhook API, and the Firestore emulator as the registry.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { PubSub } from '@google-cloud/pubsub';
import { Timestamp } from '@google-cloud/firestore';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.ts';
import { COLLECTIONS } from '../../../src/firestore/collections.ts';
import { systemClock } from '../../../src/clock.ts';
import { appRoutes, type OAuthSettings } from '../../../src/stores/app-routes.ts';
import { createStoreRegistry } from '../../../src/stores/store-registry.ts';
import { testFirestore } from '../../helpers/firestore.ts';
import { testApp } from '../../helpers/app.ts';
import { lifecycle } from './lifecycle-harness.ts';

const PROJECT = 'demo-app-routes';
const { db, reset } = testFirestore(PROJECT);
const pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: inject('pubsubHost') });
const TOPIC = `bc-app-${Date.now()}`;
let sandbox: Sandbox;
/** The auth callback registered for the app on the (sandbox) BigCommerce side. */
const AUTH_CALLBACK = 'https://app.example/auth';

beforeAll(async () => {
  await pubsub.createTopic(TOPIC);
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT }, authCallbackUrl: AUTH_CALLBACK });
});
afterAll(async () => {
  await sandbox.close();
  await pubsub.close();
  await db.terminate();
});
beforeEach(async () => {
  await reset();
});

const logLines: string[] = [];
const logger = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, cb) => (logLines.push(c.toString()), cb()) }));

async function app(o: { oauth?: Partial<OAuthSettings> | null; rateLimit?: { max: number; windowMs: number } } = {}) {
  const lc = await lifecycle(db, { apiUrl: sandbox.url, projectId: PROJECT, topic: TOPIC, ownClientId: sandbox.clientId, logger });
  const firstSyncs: string[] = [];
  const oauth = o.oauth === null ? undefined : { clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, loginUrl: sandbox.url, redirectUri: AUTH_CALLBACK, ...o.oauth };
  const plugin = appRoutes({
    oauth,
    registry: lc.registry,
    directory: lc.directory,
    registerWebhooks: (h) => lc.reconciler.reconcileStore(h),
    firstSync: async (h) => {
      firstSyncs.push(h);
    },
    clock: systemClock,
    logger: lc.logger,
    ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
  });
  const { server } = await testApp(db, { extra: { plugins: [plugin] } });
  return { server, firstSyncs, ...lc };
}

let n = 0;
function newStore() {
  n++;
  const hash = `app${n}${Date.now().toString(36)}`;
  const store = sandbox.createStore({ hash, accessToken: `initial-${hash}` });
  store.seedProducts(5, { seed: n });
  return { hash, store };
}
const storeDoc = async (hash: string) => (await db.collection(COLLECTIONS.stores).doc(hash).get()).data();

async function installed() {
  const a = await app();
  const { hash, store } = newStore();
  const res = await a.server.inject({ method: 'GET', url: sandbox.install(hash).authPath });
  expect(res.statusCode).toBe(200);
  return { ...a, hash, store };
}

describe('GET /auth', () => {
  it('exchanges the code, stores the token encrypted, registers webhooks and starts the first sync', async () => {
    const { server, firstSyncs, cipher } = await app();
    const { hash, store } = newStore();
    const grant = sandbox.install(hash);
    const res = await server.inject({ method: 'GET', url: grant.authPath });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain(`Store ${hash} is connected.`);
    expect(res.body).toContain('Store events are subscribed.');

    const doc = (await storeDoc(hash))!;
    expect(doc).toMatchObject({ status: 'active', scopes: grant.scope.split(' '), accountUuid: grant.accountUuid });
    expect(doc.installedAt).toBeInstanceOf(Timestamp);
    const token = cipher.decrypt(doc.accessTokenEnc as string, hash);
    expect(store.tokens().map((t) => t.accessToken)).toContain(token);
    expect(JSON.stringify(doc)).not.toContain(token); // encrypted at rest
    expect(store.hooks().filter((h) => h.isActive)).toHaveLength(5);
    expect(firstSyncs).toEqual([hash]);
  });

  it('a used code is refused with 400 and changes nothing', async () => {
    const { server } = await app();
    const { hash } = newStore();
    const grant = sandbox.install(hash);
    expect((await server.inject({ method: 'GET', url: grant.authPath })).statusCode).toBe(200);
    const before = await storeDoc(hash);
    const replay = await server.inject({ method: 'GET', url: grant.authPath });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('install the app again');
    expect(await storeDoc(hash)).toEqual(before);
  });

  it.each([
    ['a wrong client secret (our misconfiguration)', { clientSecret: 'wrong' }, 502],
    ['an unreachable token endpoint', { loginUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 }, 502],
    // APP_URL that does not match the callback registered with BigCommerce: refused as BigCommerce refuses it.
    ['a redirect_uri other than the registered auth callback', { redirectUri: 'https://other.example/auth' }, 400],
  ])('%s -> %s, nothing stored', async (_l, oauth, status) => {
    const { server, firstSyncs } = await app({ oauth });
    const { hash, store } = newStore();
    const res = await server.inject({ method: 'GET', url: sandbox.install(hash).authPath });
    expect(res.statusCode).toBe(status);
    expect(await storeDoc(hash)).toBeUndefined();
    expect(store.hooks()).toEqual([]);
    expect(firstSyncs).toEqual([]);
  });

  it.each([
    ['no code', '/auth?scope=x&context=stores/abc'],
    ['a bad context', '/auth?code=c&scope=x&context=abc'],
  ])('%s -> 400', async (_l, url) => {
    const { server } = await app();
    expect((await server.inject({ method: 'GET', url })).statusCode).toBe(400);
  });

  it('answers 503 when the app credentials are not configured', async () => {
    const { server } = await app({ oauth: null });
    const { hash } = newStore();
    expect((await server.inject({ method: 'GET', url: sandbox.install(hash).authPath })).statusCode).toBe(503);
    expect((await server.inject({ method: 'GET', url: `/load?signed_payload_jwt=${await sandbox.signedPayload(hash)}` })).statusCode).toBe(503);
  });
});

describe('GET /load and /uninstall (signed_payload_jwt)', () => {
  it('/load shows the store for a valid payload', async () => {
    const { server, hash } = await installed();
    const res = await server.inject({ method: 'GET', url: `/load?signed_payload_jwt=${await sandbox.signedPayload(hash)}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`Store ${hash} is connected.`);
    expect(res.body).toContain('Category rules: 3.');
  });

  it.each([
    ['missing', async () => ''],
    ['forged (another secret)', (h: string) => sandbox.signedPayload(h, { secret: 'not-the-secret' })],
    ['wrong audience', (h: string) => sandbox.signedPayload(h, { aud: 'someone-else' })],
    ['expired', (h: string) => sandbox.signedPayload(h, { expired: true })],
    ['garbage', async () => 'a.b.c'],
  ])('%s payload -> 401 on /load and /uninstall, nothing changed', async (_l, make) => {
    const { server, hash, pending } = await installed();
    await pending.enqueue(hash, [1, 2], 'test', Date.now());
    const before = await storeDoc(hash);
    const jwt = await make(hash);
    for (const route of ['load', 'uninstall', 'remove_user']) {
      const res = await server.inject({ method: 'GET', url: `/${route}?signed_payload_jwt=${encodeURIComponent(jwt)}` });
      expect(res.statusCode, route).toBe(401);
      expect(res.body).not.toContain(hash);
    }
    expect(await storeDoc(hash)).toEqual(before);
    expect((await pending.load(hash)).map((p) => p.productId)).toEqual([1, 2]);
  });

  it('/uninstall after BigCommerce revoked the token: status uninstalled, token forgotten, pending dropped (one probe call, 401)', async () => {
    const { server, hash, store, pending, directory } = await installed();
    await pending.enqueue(hash, [1, 2, 3], 'test', Date.now());
    await store.uninstall();
    sandbox.resetStats();
    const res = await server.inject({ method: 'GET', url: `/uninstall?signed_payload_jwt=${await sandbox.signedPayload(hash)}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, outcome: 'uninstalled' });
    const doc = (await storeDoc(hash))!;
    expect(doc.status).toBe('uninstalled');
    expect(doc.accessTokenEnc).toBeUndefined();
    expect(await pending.load(hash)).toEqual([]);
    expect(await directory.activeStores()).not.toContain(hash);
    expect(sandbox.stats(hash).status).toEqual({ '401': 1 });
  });

  it('a /load payload replayed to /uninstall while the app is installed: 409, store kept with token and work, refusal recorded and logged', async () => {
    const { server, hash, pending, directory } = await installed();
    await pending.enqueue(hash, [1, 2, 3], 'test', Date.now());
    const loadPayload = await sandbox.signedPayload(hash);
    expect((await server.inject({ method: 'GET', url: `/load?signed_payload_jwt=${loadPayload}` })).statusCode).toBe(200);
    const before = { ...(await storeDoc(hash)) };
    const logFrom = logLines.length;
    sandbox.resetStats();

    const res = await server.inject({ method: 'GET', url: `/uninstall?signed_payload_jwt=${loadPayload}` });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ ok: false, outcome: 'refused' });
    const after = (await storeDoc(hash))!;
    expect(after).toMatchObject({ status: 'active', accessTokenEnc: before.accessTokenEnc, installedAt: before.installedAt });
    expect(after.uninstallRefusedAt).toBeDefined();
    expect((await pending.load(hash)).map((p) => p.productId)).toEqual([1, 2, 3]);
    expect((await directory.get(hash))?.accessToken).toEqual(expect.any(String));
    expect(sandbox.stats(hash).status).toEqual({ '200': 1 }); // the probe
    const refusals = (await db.collection(COLLECTIONS.uninstallRefusals).where('storeHash', '==', hash).get()).docs.map((d) => d.data());
    expect(refusals).toEqual([expect.objectContaining({ storeHash: hash, source: 'callback', reason: 'token-valid', at: expect.any(Timestamp), issuedAt: expect.any(Timestamp) })]);
    const warning = logLines.slice(logFrom).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'uninstall refused: BigCommerce did not confirm it');
    expect(warning).toMatchObject({ level: 40, storeHash: hash, source: 'callback', reason: 'token-valid' });
    expect(logLines.slice(logFrom).join('')).not.toContain(loadPayload.split('.')[2]);
  });

  it('when BigCommerce cannot say (5xx, network), /uninstall answers 503 and forgets nothing', async () => {
    const a = await installed();
    const registry = createStoreRegistry({ db, cipher: a.cipher, pending: a.pending, logger, probeToken: () => Promise.resolve('unknown') });
    const plugin = appRoutes({ oauth: { clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, loginUrl: sandbox.url, redirectUri: AUTH_CALLBACK }, registry, directory: a.directory, registerWebhooks: () => Promise.resolve({ outcome: 'off', errors: [] }), firstSync: () => Promise.resolve(), clock: systemClock, logger });
    const { server } = await testApp(db, { extra: { plugins: [plugin] } });
    const res = await server.inject({ method: 'GET', url: `/uninstall?signed_payload_jwt=${await sandbox.signedPayload(a.hash)}` });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ok: false, outcome: 'unconfirmed' });
    expect(await storeDoc(a.hash)).toMatchObject({ status: 'active', accessTokenEnc: expect.any(String) });
    const refusals = (await db.collection(COLLECTIONS.uninstallRefusals).where('storeHash', '==', a.hash).get()).docs.map((d) => d.get('reason') as unknown);
    expect(refusals).toEqual(['unconfirmed']);
  });

  it('an uninstall payload issued before a reinstall is ignored (replayed or late callback)', async () => {
    const { server, hash } = await installed();
    const old = await sandbox.signedPayload(hash, { nowMs: Date.now() - 10 * 60_000 });
    const res = await server.inject({ method: 'GET', url: `/uninstall?signed_payload_jwt=${old}` });
    expect(res.json()).toEqual({ ok: true, outcome: 'stale' });
    expect((await storeDoc(hash))?.status).toBe('active');
    expect((await storeDoc(hash))?.accessTokenEnc).toEqual(expect.any(String));
  });
});

describe('public callback protection (helmet, rate limit)', () => {
  it('callback pages may be framed by the BigCommerce control panel only, and leak no Referer', async () => {
    const { server, hash } = await installed();
    for (const url of [`/load?signed_payload_jwt=${await sandbox.signedPayload(hash)}`, '/load', '/auth', '/uninstall', '/remove_user']) {
      const res = await server.inject({ method: 'GET', url });
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain('frame-ancestors https://*.mybigcommerce.com https://login.bigcommerce.com');
      expect(csp, url).toContain("default-src 'self'");
      expect(res.headers['x-frame-options'], url).toBeUndefined();
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it('rate-limits each client address (the last X-Forwarded-For entry) on the callbacks, and leaves /pubsub/push and /healthz alone', async () => {
    const { server } = await app({ rateLimit: { max: 3, windowMs: 60_000 } });
    const load = (xff: string) => server.inject({ method: 'GET', url: '/load', headers: { 'x-forwarded-for': xff } });
    for (let i = 0; i < 3; i++) expect((await load('203.0.113.1')).statusCode).toBe(401);
    const limited = await load('203.0.113.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'HTTP_RATE_LIMITED' });
    expect(limited.headers['retry-after']).toBeDefined();
    // A spoofed first entry does not buy a fresh bucket; another real address has its own.
    expect((await load('198.51.100.9, 203.0.113.1')).statusCode).toBe(429);
    expect((await server.inject({ method: 'GET', url: '/uninstall', headers: { 'x-forwarded-for': '203.0.113.1' } })).statusCode).toBe(429);
    expect((await load('203.0.113.2')).statusCode).toBe(401);

    for (let i = 0; i < 10; i++) {
      const push = await server.inject({ method: 'POST', url: '/pubsub/push', payload: '{}', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.1' } });
      expect(push.statusCode).toBe(204);
      expect(push.headers['x-ratelimit-limit']).toBeUndefined();
      expect(push.headers['content-security-policy']).toBeUndefined();
    }
    expect((await server.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-for': '203.0.113.1' } })).statusCode).toBe(200);
  });
});

describe('uninstall through the store/app/uninstalled event', () => {
  it('settleUninstall forgets the token and drops pending; an event older than the install is reverted', async () => {
    const { hash, store, registry, pending } = await installed();
    const ref = db.collection(COLLECTIONS.stores).doc(hash);
    const installedAtS = (await storeDoc(hash))!.installedAt.seconds as number;

    // A late event from before this installation: the store stays installed.
    await ref.set({ status: 'uninstalled', uninstallEventCreatedAt: installedAtS - 60 }, { merge: true });
    expect(await registry.settleUninstall(hash)).toEqual({ outcome: 'stale-event', dropped: 0 });
    expect(await storeDoc(hash)).toMatchObject({ status: 'active', accessTokenEnc: expect.any(String) });

    // A current one (BigCommerce revoked the token): token gone, pending gone; settling again is harmless.
    await pending.enqueue(hash, [4], 'test', Date.now());
    await store.uninstall();
    await ref.set({ status: 'uninstalled', uninstallEventCreatedAt: installedAtS + 5 }, { merge: true });
    expect(await registry.settleUninstall(hash)).toEqual({ outcome: 'forgotten', dropped: 1 });
    expect((await storeDoc(hash))?.accessTokenEnc).toBeUndefined();
    expect(await registry.settleUninstall(hash)).toEqual({ outcome: 'already-settled', dropped: 0 });
    expect(await registry.settleUninstall('never-seen')).toEqual({ outcome: 'unknown-store', dropped: 0 });
  });
});
