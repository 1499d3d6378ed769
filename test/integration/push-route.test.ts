import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { pendingDocId } from '../../src/firestore/document-ids.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { testApp, PUSH_SA, SCHEDULER_SA } from '../helpers/app.ts';
import { productEvent, webhook, wrappedPush } from '../helpers/push.ts';
import { mintToken, startCertsServer, stripSignature } from '../helpers/oidc.ts';

const { db, reset } = testFirestore('demo-push-route');
beforeEach(reset);
afterAll(() => db.terminate());

const post = (app: Awaited<ReturnType<typeof testApp>>, payload: unknown, headers: Record<string, string> = {}) =>
  app.server.inject({ method: 'POST', url: '/pubsub/push', payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });

describe('POST /pubsub/push (auth off)', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    app = await testApp(db);
  });
  afterAll(() => app.server.close());

  it('stores a product event: 204, marker and pending record written', async () => {
    const res = await post(app, wrappedPush(productEvent('store1', 42)));
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await db.collection(COLLECTIONS.pending).doc(pendingDocId('store1', 42)).get()).exists).toBe(true);
    expect((await db.collection(COLLECTIONS.markers).get()).size).toBe(1);
  });

  it('acks a duplicate (same body, new message id) and counts it', async () => {
    const body = productEvent('store1', 43);
    const before = { ...app.counters };
    expect((await post(app, wrappedPush(body))).statusCode).toBe(204);
    expect((await post(app, wrappedPush(body))).statusCode).toBe(204);
    expect(app.counters.accepted - before.accepted).toBe(1);
    expect(app.counters.duplicate - before.duplicate).toBe(1);
    expect((await db.collection(COLLECTIONS.markers).get()).size).toBe(1);
  });

  it.each([
    { name: 'data is not JSON', payload: () => wrappedPush(null, { raw: '<html>' }), reason: /not JSON/ },
    { name: 'not a BigCommerce webhook', payload: () => wrappedPush({ hello: 'world' }), reason: /not a BigCommerce webhook/ },
    { name: 'no store hash', payload: () => wrappedPush({ ...productEvent('x', 1), producer: 'stores/' }), reason: /producer/ },
    { name: 'envelope data not base64', payload: () => ({ message: { data: '***', messageId: 'bad-1' } }), reason: /base64/ },
  ])('acks and records a permanently bad message: $name', async ({ payload, reason }) => {
    const before = app.counters.rejected;
    const res = await post(app, payload());
    expect(res.statusCode).toBe(204);
    expect(app.counters.rejected).toBe(before + 1);
    const rejections = await db.collection(COLLECTIONS.rejections).get();
    expect(rejections.size).toBe(1);
    expect(rejections.docs[0]!.get('reason')).toMatch(reason);
    expect((await db.collection(COLLECTIONS.markers).get()).size).toBe(0);
  });

  it('accepts the unwrapped form in whatever content type the sender uses (the emulator says form-urlencoded)', async () => {
    const body = JSON.stringify(productEvent('store2', 7));
    for (const [i, type] of ['application/x-www-form-urlencoded', 'application/json', 'text/plain', 'application/octet-stream'].entries()) {
      const res = await app.server.inject({ method: 'POST', url: '/pubsub/push', payload: i === 0 ? body : JSON.stringify(productEvent('store2', 7 + i)), headers: { 'content-type': type, 'x-goog-pubsub-message-id': `u${i}` } });
      expect(res.statusCode, type).toBe(204);
    }
    expect((await db.collection(COLLECTIONS.pending).where('storeHash', '==', 'store2').get()).size).toBe(4);
  });

  it('accepts a push without a content type', async () => {
    const res = await app.server.inject({ method: 'POST', url: '/pubsub/push', payload: JSON.stringify(wrappedPush(productEvent('store3', 1))) });
    expect(res.statusCode).toBe(204);
  });

  it('refuses an oversized body with a clear 413 and writes nothing', async () => {
    const small = await testApp(db, { maxBodyBytes: 1024 });
    const res = await post(small, wrappedPush({ ...productEvent('s', 1), padding: 'x'.repeat(2048) }));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect((await db.collection(COLLECTIONS.markers).get()).size).toBe(0);
    await small.server.close();
  });

  it('routes store/app/uninstalled to the store registry', async () => {
    expect((await post(app, wrappedPush(webhook('leaving', 'store/app/uninstalled', { type: 'store' })))).statusCode).toBe(204);
    expect((await db.collection(COLLECTIONS.stores).doc('leaving').get()).get('status')).toBe('uninstalled');
  });

  it('acks an unknown scope (recorded, never retried)', async () => {
    expect((await post(app, wrappedPush(webhook('s', 'store/cart/created', { type: 'cart', id: 'abc' })))).statusCode).toBe(204);
    expect((await db.collection(COLLECTIONS.markers).get()).size).toBe(1);
  });

  it('GET /status reports counters and pending per store; /healthz needs nothing', async () => {
    await post(app, wrappedPush(productEvent('sa', 1)));
    await post(app, wrappedPush(productEvent('sa', 2)));
    await post(app, wrappedPush(productEvent('sb', 1)));
    const status = await app.server.inject({ method: 'GET', url: '/status' });
    expect(status.statusCode).toBe(200);
    const json = status.json();
    expect(json.pending).toEqual({ sa: 2, sb: 1 });
    expect(json.events).toMatchObject({ accepted: expect.any(Number), duplicate: expect.any(Number), rejected: expect.any(Number) });
    expect(json.events.accepted).toBeGreaterThanOrEqual(3);
    expect((await app.server.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
  });
});

describe('POST /pubsub/push: one bad event never stalls its store', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    app = await testApp(db);
  });
  afterAll(() => app.server.close());

  const rejected = async (payload: unknown, reason: RegExp) => {
    const before = { ...app.counters };
    const res = await post(app, payload);
    expect(res.statusCode).toBe(204);
    expect(app.counters.rejected).toBe(before.rejected + 1);
    expect(app.counters.unavailable).toBe(before.unavailable);
    const rejections = await db.collection(COLLECTIONS.rejections).get();
    expect(rejections.size).toBe(1);
    expect(rejections.docs[0]!.get('reason')).toMatch(reason);
    // Nothing of the event is kept: no marker (a fixed redelivery is taken), no pending record.
    expect((await db.collection(COLLECTIONS.markers).get()).size).toBe(0);
    expect((await db.collection(COLLECTIONS.pending).get()).size).toBe(0);
  };

  it.each([
    { name: 'an id beyond 2^53 (as a string)', data: { type: 'product', id: '1152921504606846977' }, reason: /data\.id: "1152921504606846977"/ },
    { name: 'id 0', data: { type: 'product', id: 0 }, reason: /data\.id: 0/ },
    { name: 'a negative id', data: { type: 'product', id: -7 }, reason: /data\.id: -7/ },
    { name: 'a non-numeric id', data: { type: 'product', id: '12abc' }, reason: /data\.id: "12abc"/ },
    { name: 'a fractional id', data: { type: 'product', id: 1.5 }, reason: /data\.id: 1\.5/ },
  ])('rejects a product event with $name, recording the reason', async ({ data, reason }) => {
    await rejected(wrappedPush(webhook('iso1', 'store/product/updated', data)), reason);
  });

  it('rejects a modifier event with one bad id among good ones as a whole, naming the bad one', async () => {
    await rejected(wrappedPush(webhook('iso1', 'store/modifier/updated', { type: 'shared_modifier', id: 1, affected_product_ids: [1, 2, '1152921504606846977', 4] })), /affected_product_ids\[2\]/);
  });

  it('rejects a 10 KB producer (204, not a 503 loop on a key path too long)', async () => {
    await rejected(wrappedPush({ ...productEvent('x', 1), producer: `stores/${'p'.repeat(10_240)}` }), /producer must be stores/);
  });

  it.each(['store/product/updated', 'store/app/uninstalled'])('rejects a store hash Firestore reserves (__x__) on %s (204, not 503)', async (scope) => {
    await rejected(wrappedPush(webhook('__x__', scope, scope === 'store/app/uninstalled' ? { type: 'store' } : { type: 'product', id: 1 })), /Firestore reserves/);
  });

  it('a rejected event does not hold up the next good one of the same store', async () => {
    expect((await post(app, wrappedPush(webhook('iso2', 'store/product/updated', { type: 'product', id: 'x' })))).statusCode).toBe(204);
    expect((await post(app, wrappedPush(productEvent('iso2', 5)))).statusCode).toBe(204);
    expect((await db.collection(COLLECTIONS.pending).doc(pendingDocId('iso2', 5)).get()).exists).toBe(true);
  });
});

describe('POST /pubsub/push with auth on', () => {
  const AUD = 'https://svc.example.run.app';
  let certs: Awaited<ReturnType<typeof startCertsServer>>;
  let oidc: Awaited<ReturnType<typeof testApp>>;
  let iam: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    certs = await startCertsServer();
    oidc = await testApp(db, { auth: { mode: 'oidc', audience: AUD, certsUrl: certs.url } });
    iam = await testApp(db, { auth: { mode: 'iam', audience: AUD } });
  });
  afterAll(async () => {
    await oidc.server.close();
    await iam.server.close();
    await certs.close();
  });

  it('oidc: a valid push token is accepted', async () => {
    const res = await post(oidc, wrappedPush(productEvent('auth', 1)), { authorization: `Bearer ${await mintToken({ aud: AUD, email: PUSH_SA })}` });
    expect(res.statusCode).toBe(204);
  });

  it.each([
    { name: 'missing token', token: async () => undefined, status: 401 },
    { name: 'wrong audience', token: async () => mintToken({ aud: 'https://x', email: PUSH_SA }), status: 401 },
    { name: 'expired', token: async () => mintToken({ aud: AUD, email: PUSH_SA, expSec: -900 }), status: 401 },
    { name: 'wrong account (the scheduler may not push)', token: async () => mintToken({ aud: AUD, email: SCHEDULER_SA }), status: 403 },
  ])('oidc: $name -> $status and nothing written', async ({ token, status }) => {
    const t = await token();
    const res = await post(oidc, wrappedPush(productEvent('auth', 2)), t ? { authorization: `Bearer ${t}` } : {});
    expect(res.statusCode).toBe(status);
    expect((await db.collection(COLLECTIONS.markers).get()).size).toBe(0);
    expect((await db.collection(COLLECTIONS.rejections).get()).size).toBe(0);
  });

  it('iam: a signature-stripped token with the right claims is accepted, wrong claims refused', async () => {
    const ok = await post(iam, wrappedPush(productEvent('auth', 3)), { authorization: `Bearer ${stripSignature(await mintToken({ aud: AUD, email: PUSH_SA }))}` });
    expect(ok.statusCode).toBe(204);
    const wrong = await post(iam, wrappedPush(productEvent('auth', 4)), { authorization: `Bearer ${stripSignature(await mintToken({ aud: AUD, email: 'x@y.iam.gserviceaccount.com' }))}` });
    expect(wrong.statusCode).toBe(403);
  });

  it('/status is protected like the push route', async () => {
    expect((await oidc.server.inject({ method: 'GET', url: '/status' })).statusCode).toBe(401);
    const res = await oidc.server.inject({ method: 'GET', url: '/status', headers: { authorization: `Bearer ${await mintToken({ aud: AUD, email: SCHEDULER_SA })}` } });
    expect(res.statusCode).toBe(200);
    expect((await oidc.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('request logs', () => {
  it('carry the Cloud Trace id of the request (X-Cloud-Trace-Context) in the Cloud Logging field', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
    const app = await testApp(db, { extra: { logger: pino({ level: 'info' }, sink), projectId: 'proj-x' } });
    const res = await app.server.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: JSON.stringify(wrappedPush({ hello: 'not a webhook' })),
      headers: { 'content-type': 'application/json', 'x-cloud-trace-context': '4bf92f3577b34da6a3ce929d0e0e4736/1;o=1' },
    });
    expect(res.statusCode).toBe(204);
    const rejected = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'event rejected');
    expect(rejected?.['logging.googleapis.com/trace']).toBe('projects/proj-x/traces/4bf92f3577b34da6a3ce929d0e0e4736');
    await app.server.close();
  });
});
