import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { verifySignedPayload, AuthQuerySchema } from '../../../src/stores/app-routes.ts';
import { signedPayload } from '../../../src/sandbox/index.ts';
import { isAppError } from '../../../src/errors.ts';

const CLIENT_ID = 'app-client';
const SECRET = 'app-secret';
const NOW = Date.UTC(2025, 5, 1, 12);
const opts = { clientId: CLIENT_ID, clientSecret: SECRET, nowMs: NOW };
const key = new TextEncoder().encode(SECRET);

function sign(claims: Record<string, unknown>, o: { alg?: string; secret?: Uint8Array; iatS?: number; expS?: number | null; sub?: string | null; aud?: string | null } = {}) {
  const iat = o.iatS ?? Math.floor(NOW / 1000);
  let j = new SignJWT(claims).setProtectedHeader({ alg: o.alg ?? 'HS256' }).setIssuedAt(iat).setNotBefore(iat);
  if (o.expS !== null) j = j.setExpirationTime(o.expS ?? iat + 86_400);
  if (o.sub !== null) j = j.setSubject(o.sub ?? 'stores/abc123');
  if (o.aud !== null) j = j.setAudience(o.aud ?? CLIENT_ID);
  return j.sign(o.secret ?? key);
}

async function reason(jwt: Promise<string> | string | undefined): Promise<string | undefined> {
  try {
    await verifySignedPayload(await jwt, opts);
    return undefined;
  } catch (e) {
    expect(isAppError(e, 'STORE_PAYLOAD_INVALID')).toBe(true);
    return (e as { details?: { reason?: string } }).details?.reason;
  }
}

describe('verifySignedPayload', () => {
  it('accepts what BigCommerce (the sandbox) signs: store hash, iat, user', async () => {
    const jwt = await signedPayload('abc123', { clientId: CLIENT_ID, secret: SECRET, nowMs: NOW });
    await expect(verifySignedPayload(jwt, opts)).resolves.toEqual({ storeHash: 'abc123', issuedAtMs: Math.floor(NOW / 1000) * 1000, userId: 100, userEmail: 'owner@sandbox.example' });
  });

  it.each([
    ['missing', () => undefined, 'missing'],
    ['empty', () => '', 'missing'],
    ['garbage', () => 'not.a.jwt', 'malformed'],
    ['signed with another secret (forged)', () => sign({}, { secret: new TextEncoder().encode('guess') }), 'signature'],
    ['body tampered after signing', async () => {
      const [h, , s] = (await sign({})).split('.');
      const body = Buffer.from(JSON.stringify({ sub: 'stores/victim', aud: CLIENT_ID, iat: 1, exp: 9e9 })).toString('base64url');
      return `${h}.${body}.${s}`;
    }, 'signature'],
    ['alg none', () => new UnsecuredJWT({ sub: 'stores/abc123', aud: CLIENT_ID }).setIssuedAt().setExpirationTime('1h').encode(), 'signature'],
    ['HS512 instead of HS256', () => sign({}, { alg: 'HS512' }), 'signature'],
    ['wrong audience', () => sign({}, { aud: 'other-app' }), 'audience'],
    ['no audience', () => sign({}, { aud: null }), 'audience'],
    ['expired (sandbox, 2 days old)', () => signedPayload('abc123', { clientId: CLIENT_ID, secret: SECRET, nowMs: NOW, expired: true }), 'expired'],
    ['expired 2 minutes ago (beyond the 60 s tolerance)', () => sign({}, { iatS: NOW / 1000 - 86_400, expS: NOW / 1000 - 120 }), 'expired'],
    ['no exp', () => sign({}, { expS: null }), 'claims'],
    ['issued in the future', () => sign({}, { iatS: NOW / 1000 + 3_600 }), 'not-yet-valid'],
    ['no subject', () => sign({}, { sub: null }), 'claims'],
    ['subject not stores/{hash}', () => sign({}, { sub: 'users/5' }), 'subject'],
    ['subject with a path in the hash', () => sign({}, { sub: 'stores/abc/../x' }), 'subject'],
  ] as [string, () => Promise<string> | string | undefined, string][])('rejects %s', async (_l, make, why) => {
    expect(await reason(make())).toBe(why);
  });

  it('tolerates 60 s of clock skew on exp', async () => {
    expect(await reason(sign({}, { iatS: NOW / 1000 - 86_400, expS: NOW / 1000 - 30 }))).toBeUndefined();
  });
});

describe('AuthQuerySchema', () => {
  it.each([
    [{ code: 'c', scope: 's', context: 'stores/abc' }, true],
    [{ code: 'c', context: 'stores/abc', account_uuid: 'u' }, true],
    [{ scope: 's', context: 'stores/abc' }, false],
    [{ code: 'c', context: 'abc' }, false],
    [{ code: 'c', context: 'stores/a/b' }, false],
    [{ code: '', context: 'stores/abc' }, false],
  ])('%o valid=%s', (q, ok) => {
    expect(AuthQuerySchema.safeParse(q).success).toBe(ok);
  });
});
