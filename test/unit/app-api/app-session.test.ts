import { describe, expect, it } from 'vitest';
import { bearerToken, createSessionTokens } from '../../../src/app-api/app-session.ts';

let now = 1_000_000;
const tokens = createSessionTokens({ clientSecret: 'secret-a', nowMs: () => now, ttlMs: 60_000 });
const other = createSessionTokens({ clientSecret: 'secret-b', nowMs: () => now, ttlMs: 60_000 });

describe('app session tokens', () => {
  it('round-trips store, user and expiry', () => {
    now = 1_000_000;
    const { token, expiresAtMs } = tokens.issue({ storeHash: 'abc', userId: 7, email: 'a@b.c' });
    expect(expiresAtMs).toBe(1_060_000);
    expect(tokens.verify(token)).toEqual({ ok: true, session: { storeHash: 'abc', userId: 7, email: 'a@b.c', expiresAtMs: 1_060_000 } });
  });

  it('expires at the ttl', () => {
    now = 1_000_000;
    const { token } = tokens.issue({ storeHash: 'abc' });
    now = 1_059_999;
    expect(tokens.verify(token).ok).toBe(true);
    now = 1_060_000;
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  const valid = (() => {
    now = 1_000_000;
    return tokens.issue({ storeHash: 'abc', userId: 1 }).token;
  })();
  const [v, payload, mac] = valid.split('.') as [string, string, string];
  const forgedPayload = Buffer.from(JSON.stringify({ s: 'victim', u: 1, x: 9e12 })).toString('base64url');
  const cases: { name: string; token: string | undefined; reason: string }[] = [
    { name: 'missing', token: undefined, reason: 'missing' },
    { name: 'empty', token: '', reason: 'missing' },
    { name: 'two parts', token: `${v}.${payload}`, reason: 'malformed' },
    { name: 'other version', token: `v2.${payload}.${mac}`, reason: 'malformed' },
    { name: 'non-base64url characters', token: `${v}.${payload}+.${mac}`, reason: 'malformed' },
    { name: 'payload swapped for another store (forged)', token: `${v}.${forgedPayload}.${mac}`, reason: 'signature' },
    { name: 'signed with another secret', token: other.issue({ storeHash: 'abc' }).token, reason: 'signature' },
    { name: 'truncated mac', token: `${v}.${payload}.${mac.slice(0, 10)}`, reason: 'signature' },
    { name: 'a BigCommerce-style JWT', token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdG9yZXMvYWJjIn0.c2ln', reason: 'malformed' },
  ];
  it.each(cases)('rejects $name', ({ token, reason }) => {
    now = 1_000_000;
    expect(tokens.verify(token)).toEqual({ ok: false, reason });
  });

  it.each([
    ['Bearer abc.def', 'abc.def'],
    ['bearer  x', 'x'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    [undefined, undefined],
  ])('bearerToken(%s)', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});
