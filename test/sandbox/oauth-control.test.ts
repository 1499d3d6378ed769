// OAuth install flow, signed payloads and the /_sandbox control plane, over real HTTP.
import { jwtVerify, errors as joseErrors } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, signedPayload, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { controlCall, pubsubTopic, storeApi } from './sandbox-helpers.ts';

const PROJECT = 'demo-sandbox-control';
const CLIENT_ID = 'app-client-123';
const CLIENT_SECRET = 'app-secret-456';
let sandbox: Sandbox;
let n = 0;
const secretKey = (s: string) => new TextEncoder().encode(s);

function freshStore() {
  const hash = `oc${++n}`;
  const store = sandbox.createStore({ hash, accessToken: `tok-${hash}` });
  store.seedProducts(3);
  return { store, hash };
}
const tokenRequest = (hash: string, code: string, extra: Record<string, string> = {}) => ({
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  code,
  context: `stores/${hash}`,
  scope: 'store_v2_products',
  grant_type: 'authorization_code',
  redirect_uri: 'https://app.example/auth',
  ...extra,
});
const postToken = async (body: unknown, form = false) => {
  const res = await fetch(`${sandbox.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT }, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
});
afterAll(async () => {
  await sandbox.close();
});

describe('OAuth install flow', () => {
  it('install -> /auth callback params -> token exchange -> a working access token owned by the app', async () => {
    const { hash, store } = freshStore();
    const grant = (await controlCall(sandbox.url, 'POST', '/install', { hash, redirectUri: 'https://app.example/auth' })).body;
    const q = new URL(`https://app.example${grant.authPath as string}`).searchParams;
    expect(q.get('code')).toBe(grant.code);
    expect(q.get('context')).toBe(`stores/${hash}`);
    expect(q.get('scope')).toBeTruthy();
    expect(q.get('account_uuid')).toBe(grant.accountUuid);

    const r = await postToken(tokenRequest(hash, grant.code as string));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ access_token: expect.any(String), scope: grant.scope, context: `stores/${hash}`, account_uuid: grant.accountUuid });
    expect(r.body.user).toMatchObject({ id: expect.any(Number), username: expect.any(String), email: expect.any(String) });
    expect(r.body.owner).toMatchObject({ id: expect.any(Number), email: expect.any(String) });
    const token = r.body.access_token as string;
    expect((await storeApi(sandbox.url, hash, token).get('/v3/catalog/products')).status).toBe(200);
    expect(store.tokens()).toContainEqual({ accessToken: token, clientId: CLIENT_ID });
  });

  it('accepts a form-encoded exchange too', async () => {
    const { hash } = freshStore();
    const grant = sandbox.install(hash, { redirectUri: 'https://app.example/auth' });
    const r = await postToken(tokenRequest(hash, grant.code), true);
    expect(r.status).toBe(200);
  });

  it('redirect_uri must equal the registered auth callback, as on BigCommerce (wrong, missing, or none registered)', async () => {
    const { hash } = freshStore();
    const wrong = await postToken(tokenRequest(hash, sandbox.install(hash, { redirectUri: 'https://app.example/auth' }).code, { redirect_uri: 'https://app.example/auth/' }));
    expect(wrong).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'redirect_uri does not match the auth callback URL registered for the app' } });
    const { redirect_uri: _omitted, ...withoutRedirect } = tokenRequest(hash, sandbox.install(hash, { redirectUri: 'https://app.example/auth' }).code);
    const missing = await postToken(withoutRedirect);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
    const unregistered = await postToken(tokenRequest(hash, sandbox.install(hash).code));
    expect(unregistered.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/No auth callback URL is registered/) });
    // A sandbox started with the app's registered callback checks every install against it.
    const registered = await startSandbox({ pubsub: { projectId: PROJECT }, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authCallbackUrl: 'https://app.example/auth' });
    try {
      registered.createStore({ hash: 'cb1', accessToken: 'tok-cb1' });
      const call = (body: unknown) =>
        fetch(`${registered.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);
      expect(await call(tokenRequest('cb1', registered.install('cb1').code))).toBe(200);
      expect(await call(tokenRequest('cb1', registered.install('cb1').code, { redirect_uri: 'http://127.0.0.1:8080/auth' }))).toBe(400);
    } finally {
      await registered.close();
    }
  });

  it.each([
    ['a wrong client secret', (h: string, c: string) => tokenRequest(h, c, { client_secret: 'nope' }), 401, 'invalid_client'],
    ['a wrong client id', (h: string, c: string) => tokenRequest(h, c, { client_id: 'nope' }), 401, 'invalid_client'],
    ['an unknown code', (h: string) => tokenRequest(h, 'not-a-code'), 400, 'invalid_grant'],
    ['a context of another store', (_h: string, c: string) => tokenRequest('someone-else', c), 400, 'invalid_grant'],
    ['a different redirect_uri', (h: string, c: string) => tokenRequest(h, c, { redirect_uri: 'https://evil.example/auth' }), 400, 'invalid_grant'],
    ['a wrong grant_type', (h: string, c: string) => tokenRequest(h, c, { grant_type: 'password' }), 400, 'invalid_request'],
  ])('rejects %s', async (_label, body, status, error) => {
    const { hash } = freshStore();
    const grant = sandbox.install(hash, { redirectUri: 'https://app.example/auth' });
    const r = await postToken(body(hash, grant.code));
    expect(r.status).toBe(status);
    expect(r.body.error).toBe(error);
  });

  it('a code works exactly once', async () => {
    const { hash } = freshStore();
    const grant = sandbox.install(hash, { redirectUri: 'https://app.example/auth' });
    expect((await postToken(tokenRequest(hash, grant.code))).status).toBe(200);
    expect((await postToken(tokenRequest(hash, grant.code))).status).toBe(400);
  });

  it('reinstalling after uninstall issues a token that works again', async () => {
    const { hash, store } = freshStore();
    await store.uninstall();
    expect((await storeApi(sandbox.url, hash, `tok-${hash}`).get('/v3/catalog/products')).status).toBe(401);
    const r = await postToken(tokenRequest(hash, sandbox.install(hash, { redirectUri: 'https://app.example/auth' }).code));
    expect((await storeApi(sandbox.url, hash, r.body.access_token as string).get('/v3/catalog/products')).status).toBe(200);
    expect(store.uninstalled).toBe(false);
  });
});

describe('signed payloads', () => {
  it('verifies with jose (HS256, client secret, aud = client id) and carries the documented claims', async () => {
    const { hash } = freshStore();
    const jwt = await sandbox.signedPayload(hash);
    const { payload, protectedHeader } = await jwtVerify(jwt, secretKey(CLIENT_SECRET), { audience: CLIENT_ID, issuer: 'bc', algorithms: ['HS256'] });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.sub).toBe(`stores/${hash}`);
    expect(payload.exp! - payload.nbf!).toBe(86_400);
    expect(typeof payload.jti).toBe('string');
    expect(payload).toHaveProperty('iat');
    expect(payload.user).toMatchObject({ id: expect.any(Number), email: expect.any(String) });
    expect(payload.owner).toMatchObject({ id: expect.any(Number), email: expect.any(String) });
    expect(payload).toHaveProperty('url');
    expect(payload).toHaveProperty('channel_id');
  });

  it.each([
    ['expired', { expired: true }, joseErrors.JWTExpired],
    ['for another audience', { aud: 'other-app' }, joseErrors.JWTClaimValidationFailed],
    ['signed with another secret', { secret: 'wrong' }, joseErrors.JWSSignatureVerificationFailed],
  ])('fails verification when %s', async (_label, opts, errorClass) => {
    const { hash } = freshStore();
    const jwt = await sandbox.signedPayload(hash, opts);
    await expect(jwtVerify(jwt, secretKey(CLIENT_SECRET), { audience: CLIENT_ID, issuer: 'bc' })).rejects.toBeInstanceOf(errorClass);
  });

  it('the exported helper defaults to the default credentials; the control endpoint uses the sandbox ones', async () => {
    const jwt = await signedPayload('abc');
    const { payload } = await jwtVerify(jwt, secretKey(DEFAULT_CLIENT_SECRET), { audience: DEFAULT_CLIENT_ID });
    expect(payload.sub).toBe('stores/abc');
    const { hash } = freshStore();
    const r = await controlCall(sandbox.url, 'POST', '/signed-payload', { hash });
    expect(r.status).toBe(200);
    await expect(jwtVerify(r.body.signed_payload_jwt as string, secretKey(CLIENT_SECRET), { audience: CLIENT_ID })).resolves.toBeTruthy();
    const expired = await controlCall(sandbox.url, 'POST', '/signed-payload', { hash, expired: true });
    await expect(jwtVerify(expired.body.signed_payload_jwt as string, secretKey(CLIENT_SECRET), { audience: CLIENT_ID })).rejects.toBeInstanceOf(joseErrors.JWTExpired);
    expect((await controlCall(sandbox.url, 'POST', '/signed-payload', { hash: 'nope' })).status).toBe(404);
  });
});

describe('control plane', () => {
  it('drives a store end to end: create, seed, product CRUD, bulk, faults, events, hooks, stats, uninstall', async () => {
    const t = await pubsubTopic(PROJECT, `control-${Date.now()}`);
    const hash = `cp${++n}`;
    const created = await controlCall(sandbox.url, 'POST', '/stores', { hash, accessToken: 'cp-token', defaultTopic: t.name, seedProducts: 4, quota: 50 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ hash, products: 4, quota: 50, apiUrl: `${sandbox.url}/stores/${hash}/v3` });
    expect((await controlCall(sandbox.url, 'POST', '/stores', { hash, accessToken: 'x' })).status).toBe(409);
    expect((await controlCall(sandbox.url, 'GET', '/stores')).body.data as { hash: string }[]).toContainEqual(expect.objectContaining({ hash }));

    expect((await controlCall(sandbox.url, 'POST', `/stores/${hash}/seed`, { count: 2 })).body).toEqual({ count: 2, firstId: 5, lastId: 6 });
    expect((await controlCall(sandbox.url, 'GET', `/stores/${hash}/products`)).body.data).toHaveLength(6);
    const p = await controlCall(sandbox.url, 'POST', `/stores/${hash}/products`, { name: 'cp', price: 10 });
    expect(p.status).toBe(201);
    expect(p.body.data).toMatchObject({ id: 7, name: 'cp', price: 10 });
    const upd = await controlCall(sandbox.url, 'PATCH', `/stores/${hash}/products/7`, { sale_price: 5 });
    expect(upd.body.data).toMatchObject({ sale_price: 5, calculated_price: 5 });
    expect((await controlCall(sandbox.url, 'GET', `/stores/${hash}/products/7`)).body.data.sale_price).toBe(5);
    expect((await controlCall(sandbox.url, 'PATCH', `/stores/${hash}/products/7`, { price: -1 })).status).toBe(400);
    expect((await controlCall(sandbox.url, 'PATCH', `/stores/${hash}/products/999`, { price: 1 })).status).toBe(404);
    expect((await controlCall(sandbox.url, 'DELETE', `/stores/${hash}/products/7`)).status).toBe(204);
    expect((await controlCall(sandbox.url, 'GET', `/stores/${hash}/products/7`)).status).toBe(404);

    const bulk = await controlCall(sandbox.url, 'POST', `/stores/${hash}/bulk-update`, { count: 3, mode: 'touch' });
    expect(bulk.body).toMatchObject({ mode: 'touch', updated: 3, ids: [1, 2, 3] });
    const bulkSet = await controlCall(sandbox.url, 'POST', `/stores/${hash}/bulk-update`, { ids: [4, 5], set: { name: 'bulk-set' } });
    expect(bulkSet.body.mode).toBe('set');
    expect(sandbox.store(hash).product(5)?.name).toBe('bulk-set');

    expect((await controlCall(sandbox.url, 'PUT', `/stores/${hash}/faults`, { burst429: 1 })).status).toBe(200);
    const api = storeApi(sandbox.url, hash, 'cp-token');
    expect((await api.get('/v3/catalog/products')).status).toBe(429);
    expect((await api.get('/v3/catalog/products')).status).toBe(200);
    expect((await controlCall(sandbox.url, 'PUT', `/stores/${hash}/faults`, { bogus: 1 })).status).toBe(400);
    expect((await controlCall(sandbox.url, 'PUT', `/stores/${hash}/events`, { duplicateRate: 0 })).status).toBe(200);

    const hook = await controlCall(sandbox.url, 'POST', `/stores/${hash}/hooks`, { scope: 'store/product/*', destination: t.name, clientId: 'other' });
    expect(hook.status).toBe(201);
    expect(hook.body.data).toMatchObject({ id: 1, clientId: 'other', isActive: true });
    expect((await controlCall(sandbox.url, 'POST', `/stores/${hash}/hooks`, { scope: 'bad', destination: t.name })).status).toBe(400);
    const deact = await controlCall(sandbox.url, 'POST', `/stores/${hash}/deactivate-hooks`);
    expect(deact.body.data[0]).toMatchObject({ isActive: false, status: 'DEACTIVATED' });
    expect((await controlCall(sandbox.url, 'GET', `/stores/${hash}/hooks`)).body.data).toHaveLength(1);

    expect((await controlCall(sandbox.url, 'POST', `/stores/${hash}/emit`, { scope: 'store/category/updated', data: { type: 'category', id: 3 } })).status).toBe(202);
    const flushed = await controlCall(sandbox.url, 'POST', `/stores/${hash}/flush-events`);
    // created(7) + updated(7) + deleted(7) + 3 touch + 2 set + category event, all via the default topic.
    expect(flushed.body.published).toBe(9);
    const published = (await controlCall(sandbox.url, 'GET', `/stores/${hash}/published-events`)).body.data as { body: { scope: string } }[];
    expect(published.map((e) => e.body.scope)).toContain('store/category/updated');
    expect(await t.drain(9)).toHaveLength(9);

    const stats = await controlCall(sandbox.url, 'GET', `/stats?hash=${hash}`);
    expect(stats.body).toMatchObject({ requests: 2, status: { '200': 1, '429': 1 }, eventsPublished: 9 });
    expect((await controlCall(sandbox.url, 'GET', '/stats')).body.requests).toBeGreaterThanOrEqual(2);
    expect((await controlCall(sandbox.url, 'POST', '/stats/reset')).status).toBe(200);
    expect(sandbox.stats(hash).requests).toBe(0);

    expect((await controlCall(sandbox.url, 'POST', `/stores/${hash}/uninstall`)).body).toEqual({ uninstalled: true, callbackStatus: null });
    expect((await api.get('/v3/catalog/products')).status).toBe(401);
    await t.close();
  });

  it('answers 404 for unknown stores and routes, 400 for bad bodies', async () => {
    expect((await controlCall(sandbox.url, 'GET', '/stores/nope/products')).body).toMatchObject({ error: 'SANDBOX_STORE_NOT_FOUND' });
    expect((await controlCall(sandbox.url, 'GET', '/stores/nope/products')).status).toBe(404);
    expect((await controlCall(sandbox.url, 'GET', '/nothing')).status).toBe(404);
    expect((await controlCall(sandbox.url, 'POST', '/stores', { hash: 'has space', accessToken: 'x' })).status).toBe(400);
    expect((await controlCall(sandbox.url, 'POST', '/stores', { hash: 'ok-hash' })).status).toBe(400);
    const { hash } = freshStore();
    expect((await controlCall(sandbox.url, 'POST', `/stores/${hash}/emit`, { scope: 'store/product/*' })).status).toBe(400);
    expect((await controlCall(sandbox.url, 'GET', '/health')).body).toEqual({ ok: true, url: sandbox.url });
  });

  it('the programmatic store() throws for an unknown hash', () => {
    expect(() => sandbox.store('unknown-hash')).toThrow(/unknown sandbox store/);
  });
});
