import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_REASONS, createPushAuthenticator, pushAuthWarning, verifyErrorReason, type AuthResult, type PushAuthenticator } from '../../../src/ingest/push-auth.ts';
import { mintToken, startCertsServer, stripSignature, unsignedToken } from '../../helpers/oidc.ts';

const AUD = 'https://consumer-abc-uc.a.run.app';
const SA = 'bc-webhook-push@proj.iam.gserviceaccount.com';
const OTHER = 'someone-else@proj.iam.gserviceaccount.com';

let certs: Awaited<ReturnType<typeof startCertsServer>>;
let oidc: PushAuthenticator;
let iam: PushAuthenticator;

beforeAll(async () => {
  certs = await startCertsServer();
  oidc = createPushAuthenticator({ mode: 'oidc', audience: AUD, certsUrl: certs.url });
  iam = createPushAuthenticator({ mode: 'iam', audience: AUD, certsUrl: certs.url });
});
afterAll(() => certs.close());

const bearer = (t: string) => `Bearer ${t}`;
/** Request headers with an Authorization header (when given). */
const h = (authorization: string | undefined, extra: Record<string, string> = {}) => ({ ...(authorization === undefined ? {} : { authorization }), ...extra });

/** No refusal may carry token text: the reason is one of the closed set and the result nothing else. */
function expectNoTokenText(r: AuthResult, token: string | undefined) {
  if (r.ok) return;
  expect(AUTH_REASONS).toContain(r.reason);
  expect(Object.keys(r).sort()).toEqual(['ok', 'reason', 'status']);
  for (const part of (token ?? '').split('.').filter((p) => p.length > 8)) expect(JSON.stringify(r)).not.toContain(part);
}

describe('oidc mode (the app verifies the Google signature)', () => {
  it('accepts a valid token from the push account', async () => {
    const r = await oidc.authenticate(h(bearer(await mintToken({ aud: AUD, email: SA }))), [SA]);
    expect(r).toEqual({ ok: true, email: SA });
  });

  it.each([
    { name: 'missing header', header: async () => undefined, status: 401, reason: 'missing' },
    { name: 'not a bearer header', header: async () => 'Basic dXNlcjpwYXNz', status: 401, reason: 'missing' },
    { name: 'garbage token', header: async () => bearer('abc'), status: 401, reason: 'malformed' },
    { name: 'wrong audience', header: async () => bearer(await mintToken({ aud: 'https://evil.example', email: SA })), status: 401, reason: 'audience' },
    { name: 'expired', header: async () => bearer(await mintToken({ aud: AUD, email: SA, expSec: -600 })), status: 401, reason: 'expired' },
    { name: 'unsigned (alg none)', header: async () => bearer(unsignedToken({ iss: 'https://accounts.google.com', aud: AUD, email: SA, email_verified: true, exp: Math.floor(Date.now() / 1000) + 600, iat: Math.floor(Date.now() / 1000) })), status: 401, reason: 'signature' },
    { name: 'signature stripped by Cloud Run', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: SA }))), status: 401, reason: 'signature' },
    { name: 'signed by an unknown key', header: async () => bearer(await mintToken({ aud: AUD, email: SA, foreignKey: true })), status: 401, reason: 'signature' },
    { name: 'signed by an unknown key id', header: async () => bearer(await mintToken({ aud: AUD, email: SA, kid: 'not-a-google-key' })), status: 401, reason: 'signature' },
    { name: 'wrong issuer', header: async () => bearer(await mintToken({ aud: AUD, email: SA, iss: 'https://evil.example' })), status: 401, reason: 'issuer' },
    { name: 'wrong account', header: async () => bearer(await mintToken({ aud: AUD, email: OTHER })), status: 403, reason: 'account' },
    { name: 'email not verified', header: async () => bearer(await mintToken({ aud: AUD, email: SA, emailVerified: false })), status: 403, reason: 'email-unverified' },
  ])('refuses $name with $status $reason, echoing no token text', async ({ header, status, reason }) => {
    const value = await header();
    const r = await oidc.authenticate(h(value), [SA]);
    expect(r).toEqual({ ok: false, status, reason });
    expectNoTokenText(r, value?.replace(/^Bearer /, ''));
  });

  it('answers 503 (retry), not 401, when Google certs cannot be fetched', async () => {
    const down = createPushAuthenticator({ mode: 'oidc', audience: AUD, certsUrl: 'http://127.0.0.1:9/certs' });
    expect(await down.authenticate(h(bearer(await mintToken({ aud: AUD, email: SA }))), [SA])).toEqual({ ok: false, status: 503, reason: 'verifier-unavailable' });
  });

  it('fetches the signing certs once and caches them', async () => {
    const before = certs.hits();
    for (let i = 0; i < 5; i++) await oidc.authenticate(h(bearer(await mintToken({ aud: AUD, email: SA }))), [SA]);
    expect(certs.hits() - before).toBeLessThanOrEqual(1);
  });
});

describe('iam mode (Cloud Run verified the signature and stripped it)', () => {
  it('accepts a signature-stripped token with the right claims', async () => {
    const r = await iam.authenticate(h(bearer(stripSignature(await mintToken({ aud: AUD, email: SA })))), [SA]);
    expect(r).toEqual({ ok: true, email: SA });
  });

  it.each([
    { name: 'missing header', header: async () => undefined, status: 401, reason: 'missing' },
    { name: 'garbage token', header: async () => bearer('abc'), status: 401, reason: 'malformed' },
    { name: 'stripped token with an unreadable payload', header: async () => bearer('eyJhbGciOiJSUzI1NiJ9.%%%.SIGNATURE_REMOVED_BY_GOOGLE'), status: 401, reason: 'malformed' },
    { name: 'wrong audience', header: async () => bearer(stripSignature(await mintToken({ aud: 'https://other.run.app', email: SA }))), status: 401, reason: 'audience' },
    { name: 'expired', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: SA, expSec: -600 }))), status: 401, reason: 'expired' },
    { name: 'wrong issuer', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: SA, iss: 'https://evil.example' }))), status: 401, reason: 'issuer' },
    { name: 'wrong account', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: OTHER }))), status: 403, reason: 'account' },
    { name: 'email not verified', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: SA, emailVerified: false }))), status: 403, reason: 'email-unverified' },
    // A token that still has a signature was not checked by Cloud Run (which strips it): verified here.
    { name: 'signed by an unknown key, signature left on', header: async () => bearer(await mintToken({ aud: AUD, email: SA, foreignKey: true })), status: 401, reason: 'signature' },
    { name: 'unsigned (alg none)', header: async () => bearer(unsignedToken({ iss: 'https://accounts.google.com', aud: AUD, email: SA, email_verified: true, exp: Math.floor(Date.now() / 1000) + 600 })), status: 401, reason: 'signature' },
  ])('refuses $name with $status $reason, echoing no token text', async ({ header, status, reason }) => {
    const value = await header();
    const r = await iam.authenticate(h(value), [SA]);
    expect(r).toEqual({ ok: false, status, reason });
    expectNoTokenText(r, value?.replace(/^Bearer /, ''));
  });

  it('accepts a token that still carries a valid Google signature (verified in full)', async () => {
    expect(await iam.authenticate(h(bearer(await mintToken({ aud: AUD, email: SA }))), [SA])).toEqual({ ok: true, email: SA });
  });

  describe('with X-Serverless-Authorization (Cloud Run checked that header, not Authorization)', () => {
    const xsa = async () => ({ 'x-serverless-authorization': bearer(stripSignature(await mintToken({ aud: AUD, email: OTHER }))) });

    it('refuses unverified Authorization claims, even perfect ones', async () => {
      const forged = bearer(stripSignature(await mintToken({ aud: AUD, email: SA })));
      expect(await iam.authenticate(h(forged, await xsa()), [SA])).toEqual({ ok: false, status: 401, reason: 'signature' });
      const unsigned = bearer(unsignedToken({ iss: 'https://accounts.google.com', aud: AUD, email: SA, email_verified: true, exp: Math.floor(Date.now() / 1000) + 600 }));
      expect(await iam.authenticate(h(unsigned, await xsa()), [SA])).toEqual({ ok: false, status: 401, reason: 'signature' });
    });

    it('refuses a missing Authorization header', async () => {
      expect(await iam.authenticate(h(undefined, await xsa()), [SA])).toEqual({ ok: false, status: 401, reason: 'missing' });
    });

    it('accepts an Authorization token whose Google signature verifies, and checks its account', async () => {
      expect(await iam.authenticate(h(bearer(await mintToken({ aud: AUD, email: SA })), await xsa()), [SA])).toEqual({ ok: true, email: SA });
      expect(await iam.authenticate(h(bearer(await mintToken({ aud: AUD, email: OTHER })), await xsa()), [SA])).toEqual({ ok: false, status: 403, reason: 'account' });
    });
  });

  it('cannot be built without an audience (a wrong audience was once accepted)', () => {
    expect(() => createPushAuthenticator({ mode: 'iam', audience: undefined })).toThrow(/PUSH_AUDIENCE/);
    expect(() => createPushAuthenticator({ mode: 'oidc', audience: '' })).toThrow(/PUSH_AUDIENCE/);
  });
});

describe('verifyErrorReason (google-auth-library messages -> reason codes)', () => {
  it.each([
    ['Wrong number of segments in token: abc', 401, 'malformed'],
    ["Can't parse token envelope: eyJ", 401, 'malformed'],
    ["Can't parse token payload 'eyJ", 401, 'malformed'],
    ['No issue time in token: {"email":"x"}', 401, 'malformed'],
    ['Invalid token signature: eyJhbGciOi.eyJ.sig', 401, 'signature'],
    ['No pem found for envelope: {"kid":"x"}', 401, 'signature'],
    ['Token used too late, 1 > 0: {"email":"x"}', 401, 'expired'],
    ['Token used too early, 0 < 1: {}', 401, 'expired'],
    ['Expiration time too far in future: {}', 401, 'expired'],
    ['Invalid issuer, expected one of [a], but got b', 401, 'issuer'],
    ['Wrong recipient, payload audience != requiredAudience', 401, 'audience'],
    ['request to http://127.0.0.1:9/certs failed, reason: connect ECONNREFUSED', 503, 'verifier-unavailable'],
  ] as const)('%s -> %i %s', (message, status, reason) => {
    expect(verifyErrorReason(message)).toEqual({ status, reason });
  });
});

describe('pushAuthWarning', () => {
  it.each([
    ['none', /Local development only/],
    ['iam', /only safe on a private Cloud Run service/],
  ] as const)('%s warns at start-up', (mode, text) => {
    expect(pushAuthWarning(mode)).toMatch(text);
  });
  it('oidc does not warn', () => expect(pushAuthWarning('oidc')).toBeUndefined());
});

describe('none mode', () => {
  it('lets everything through (local runs only; main.ts warns loudly)', async () => {
    const none = createPushAuthenticator({ mode: 'none', audience: undefined });
    expect(await none.authenticate({}, [SA])).toEqual({ ok: true, email: undefined });
  });
});
