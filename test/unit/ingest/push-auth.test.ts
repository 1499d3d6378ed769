import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPushAuthenticator, type PushAuthenticator } from '../../../src/ingest/push-auth.ts';
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
  iam = createPushAuthenticator({ mode: 'iam', audience: AUD });
});
afterAll(() => certs.close());

const bearer = (t: string) => `Bearer ${t}`;

describe('oidc mode (the app verifies the Google signature)', () => {
  it('accepts a valid token from the push account', async () => {
    const r = await oidc.authenticate(bearer(await mintToken({ aud: AUD, email: SA })), [SA]);
    expect(r).toEqual({ ok: true, email: SA });
  });

  it.each([
    { name: 'missing header', header: async () => undefined, status: 401 },
    { name: 'not a bearer header', header: async () => 'Basic dXNlcjpwYXNz', status: 401 },
    { name: 'wrong audience', header: async () => bearer(await mintToken({ aud: 'https://evil.example', email: SA })), status: 401 },
    { name: 'expired', header: async () => bearer(await mintToken({ aud: AUD, email: SA, expSec: -600 })), status: 401 },
    { name: 'unsigned (alg none)', header: async () => bearer(unsignedToken({ iss: 'https://accounts.google.com', aud: AUD, email: SA, email_verified: true, exp: Math.floor(Date.now() / 1000) + 600, iat: Math.floor(Date.now() / 1000) })), status: 401 },
    { name: 'signature stripped by Cloud Run', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: SA }))), status: 401 },
    { name: 'signed by an unknown key', header: async () => bearer(await mintToken({ aud: AUD, email: SA, foreignKey: true })), status: 401 },
    { name: 'wrong issuer', header: async () => bearer(await mintToken({ aud: AUD, email: SA, iss: 'https://evil.example' })), status: 401 },
    { name: 'wrong account', header: async () => bearer(await mintToken({ aud: AUD, email: OTHER })), status: 403 },
    { name: 'email not verified', header: async () => bearer(await mintToken({ aud: AUD, email: SA, emailVerified: false })), status: 403 },
  ])('refuses $name with $status', async ({ header, status }) => {
    const r = await oidc.authenticate(await header(), [SA]);
    expect(r).toMatchObject({ ok: false, status });
  });

  it('fetches the signing certs once and caches them', async () => {
    const before = certs.hits();
    for (let i = 0; i < 5; i++) await oidc.authenticate(bearer(await mintToken({ aud: AUD, email: SA })), [SA]);
    expect(certs.hits() - before).toBeLessThanOrEqual(1);
  });
});

describe('iam mode (Cloud Run verified the signature and stripped it)', () => {
  it('accepts a signature-stripped token with the right claims', async () => {
    const r = await iam.authenticate(bearer(stripSignature(await mintToken({ aud: AUD, email: SA }))), [SA]);
    expect(r).toEqual({ ok: true, email: SA });
  });

  it.each([
    { name: 'missing header', header: async () => undefined, status: 401 },
    { name: 'garbage token', header: async () => bearer('abc'), status: 401 },
    { name: 'wrong audience', header: async () => bearer(stripSignature(await mintToken({ aud: 'https://other.run.app', email: SA }))), status: 401 },
    { name: 'expired', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: SA, expSec: -600 }))), status: 401 },
    { name: 'wrong issuer', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: SA, iss: 'https://evil.example' }))), status: 401 },
    { name: 'wrong account', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: OTHER }))), status: 403 },
    { name: 'email not verified', header: async () => bearer(stripSignature(await mintToken({ aud: AUD, email: SA, emailVerified: false }))), status: 403 },
  ])('refuses $name with $status', async ({ header, status }) => {
    expect(await iam.authenticate(await header(), [SA])).toMatchObject({ ok: false, status });
  });
});

describe('none mode', () => {
  it('lets everything through (local runs only; main.ts warns loudly)', async () => {
    const none = createPushAuthenticator({ mode: 'none', audience: undefined });
    expect(await none.authenticate(undefined, [SA])).toEqual({ ok: true, email: undefined });
  });
});
