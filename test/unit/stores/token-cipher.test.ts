import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/errors.ts';
import { createTokenCipher } from '../../../src/stores/token-cipher.ts';

const K1 = randomBytes(32);
const K0 = randomBytes(32);
const TOKEN = 'bc-access-token-abcdef0123456789';
const STORE = 'abc123';

/** What token-cipher.ts wrote before keyrings: `v1:<iv>:<tag>:<data>` under one key. */
function sealV1(key: Buffer, plain: string, storeHash: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(storeHash));
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
}

/** Replaces field `i` of a sealed token (0 = version). */
function withField(sealed: string, i: number, f: (b: Buffer) => Buffer): string {
  const parts = sealed.split(':');
  parts[i] = f(Buffer.from(parts[i]!, 'base64url')).toString('base64url');
  return parts.join(':');
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isAppError(err) ? err.code : `not an AppError: ${String(err)}`;
  }
  return undefined;
}

describe('token cipher', () => {
  const ring = createTokenCipher([
    { id: 'k1', key: K1 },
    { id: 'k0', key: K0 },
  ]);

  it('seals with the current key id and version, and opens again', () => {
    const sealed = ring.encrypt(TOKEN, STORE);
    expect(sealed).toMatch(/^v2:k1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(sealed).not.toContain(TOKEN);
    expect(ring.decrypt(sealed, STORE)).toBe(TOKEN);
    expect(ring.needsRotation(sealed)).toBe(false);
  });

  it('reads tokens sealed with a previous key of the ring, and marks them for rotation', () => {
    const old = createTokenCipher([{ id: 'k0', key: K0 }]).encrypt(TOKEN, STORE);
    expect(ring.decrypt(old, STORE)).toBe(TOKEN);
    expect(ring.needsRotation(old)).toBe(true);
  });

  it('reads legacy v1 tokens (no key id) with whichever key of the ring sealed them', () => {
    const legacy = sealV1(K0, TOKEN, STORE);
    expect(ring.decrypt(legacy, STORE)).toBe(TOKEN);
    expect(ring.needsRotation(legacy)).toBe(true);
    // A single Buffer key is the ring [default] (TOKEN_ENCRYPTION_KEY): the format before keyrings still opens.
    expect(createTokenCipher(K0).decrypt(legacy, STORE)).toBe(TOKEN);
  });

  it.each([
    ['tampered tag', (s: string) => withField(s, 3, (b) => Buffer.from(b.map((x, i) => (i === 0 ? x ^ 1 : x)))), 'STORE_TOKEN_UNREADABLE'],
    ['tag truncated to 4 bytes', (s: string) => withField(s, 3, (b) => b.subarray(0, 4)), 'STORE_TOKEN_MALFORMED'],
    ['tag truncated to 12 bytes', (s: string) => withField(s, 3, (b) => b.subarray(0, 12)), 'STORE_TOKEN_MALFORMED'],
    ['tampered ciphertext', (s: string) => withField(s, 4, (b) => Buffer.from(b.map((x, i) => (i === 0 ? x ^ 1 : x)))), 'STORE_TOKEN_UNREADABLE'],
    ['short iv', (s: string) => withField(s, 2, (b) => b.subarray(0, 8)), 'STORE_TOKEN_MALFORMED'],
    ['unknown key id', (s: string) => s.replace(/^v2:k1:/, 'v2:k9:'), 'STORE_TOKEN_KEY_UNKNOWN'],
    ['key id swapped to another key of the ring', (s: string) => s.replace(/^v2:k1:/, 'v2:k0:'), 'STORE_TOKEN_UNREADABLE'],
    ['unknown version', (s: string) => s.replace(/^v2:/, 'v3:'), 'STORE_TOKEN_MALFORMED'],
    ['missing field', (s: string) => s.split(':').slice(0, 4).join(':'), 'STORE_TOKEN_MALFORMED'],
    ['plain text', () => TOKEN, 'STORE_TOKEN_MALFORMED'],
  ])('refuses a %s', (_name, mutate, code) => {
    const sealed = ring.encrypt(TOKEN, STORE);
    expect(codeOf(() => ring.decrypt(mutate(sealed), STORE))).toBe(code);
  });

  it('refuses a v1 token whose tag was truncated (Node alone would accept a 4-byte tag)', () => {
    expect(codeOf(() => ring.decrypt(withField(sealV1(K1, TOKEN, STORE), 2, (b) => b.subarray(0, 4)), STORE))).toBe('STORE_TOKEN_MALFORMED');
  });

  it('refuses a wrong key under the same id, and a token moved to another store', () => {
    const sealed = ring.encrypt(TOKEN, STORE);
    const impostor = createTokenCipher([{ id: 'k1', key: randomBytes(32) }]);
    expect(codeOf(() => impostor.decrypt(sealed, STORE))).toBe('STORE_TOKEN_UNREADABLE');
    expect(codeOf(() => ring.decrypt(sealed, 'other-store'))).toBe('STORE_TOKEN_UNREADABLE');
  });

  it('never puts the token or a key into an error', () => {
    const sealed = ring.encrypt(TOKEN, STORE);
    try {
      createTokenCipher([{ id: 'k1', key: randomBytes(32) }]).decrypt(sealed, STORE);
    } catch (err) {
      const text = JSON.stringify({ message: (err as Error).message, details: (err as { details?: unknown }).details });
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(K1.toString('base64'));
    }
  });

  it.each([
    ['an empty ring', []],
    ['a short key', [{ id: 'k1', key: randomBytes(16) }]],
    ['a bad id', [{ id: 'k:1', key: randomBytes(32) }]],
    ['a duplicate id', [{ id: 'k1', key: randomBytes(32) }, { id: 'k1', key: randomBytes(32) }]],
  ])('refuses %s', (_name, keys) => {
    expect(codeOf(() => createTokenCipher(keys))).toBe('STORE_KEY_INVALID');
  });
});
