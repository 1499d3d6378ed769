import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DEFAULT_KEY_ID, KEY_ID_PATTERN, type TokenKey } from '../config.ts';
import { AppError, ErrorCode } from '../errors.ts';

export { DEFAULT_KEY_ID, type TokenKey };

/**
 * Access tokens at rest: AES-256-GCM with keys from configuration (Secret Manager in production),
 * bound to the store hash as associated data so a token copied onto another store's record does not
 * decrypt.
 *
 * Stored form (base64url fields): `v2:<keyId>:<iv 12 bytes>:<tag 16 bytes>:<ciphertext>`. The key id
 * names the keyring entry that sealed it, so a keyring holding the current key plus previous ones
 * reads every token while `tokens rotate` re-seals them with the current key. The legacy form
 * `v1:<iv>:<tag>:<ciphertext>` (no key id, written before keyrings) is still read: each key is tried,
 * the GCM tag tells which one sealed it.
 *
 * The tag is exactly 16 bytes, enforced on both sides (`authTagLength`): Node would otherwise accept a
 * shorter tag, and a 4-byte tag can be forged by trial.
 *
 * AppError codes: STORE_KEY_INVALID (keyring), STORE_TOKEN_MALFORMED (not a sealed token),
 * STORE_TOKEN_KEY_UNKNOWN (sealed with a key id the keyring no longer holds), STORE_TOKEN_UNREADABLE
 * (wrong key or tampered).
 */
export interface TokenCipher {
  /** The id of the key new tokens are sealed with (the first of the keyring). */
  readonly currentKeyId: string;
  encrypt(plain: string, storeHash: string): string;
  decrypt(sealed: string, storeHash: string): string;
  /** True when `sealed` was not written by the current key in the current format. */
  needsRotation(sealed: string): boolean;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const GCM = 'aes-256-gcm';

interface Sealed {
  version: 'v1' | 'v2';
  keyId: string | undefined;
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

function parseSealed(sealed: string): Sealed {
  const parts = sealed.split(':');
  const malformed = () => new AppError(ErrorCode.STORE_TOKEN_MALFORMED, 'stored token has an unknown format');
  let version: Sealed['version'];
  let keyId: string | undefined;
  let rest: string[];
  if (parts[0] === 'v2' && parts.length === 5) {
    version = 'v2';
    keyId = parts[1];
    rest = parts.slice(2);
    if (!keyId || !KEY_ID_PATTERN.test(keyId)) throw malformed();
  } else if (parts[0] === 'v1' && parts.length === 4) {
    version = 'v1';
    rest = parts.slice(1);
  } else {
    throw malformed();
  }
  const [iv, tag, data] = rest.map((p) => Buffer.from(p, 'base64url'));
  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || data === undefined) throw malformed();
  return { version, keyId, iv, tag, data };
}

function open(key: Buffer, s: Sealed, storeHash: string): string {
  const d = createDecipheriv(GCM, key, s.iv, { authTagLength: TAG_BYTES });
  d.setAAD(Buffer.from(storeHash));
  d.setAuthTag(s.tag);
  return Buffer.concat([d.update(s.data), d.final()]).toString('utf8');
}

/** A keyring (first = current) or one key (known as DEFAULT_KEY_ID, as TOKEN_ENCRYPTION_KEY is). */
export function createTokenCipher(keys: readonly TokenKey[] | Buffer): TokenCipher {
  const ring: readonly TokenKey[] = Buffer.isBuffer(keys) ? [{ id: DEFAULT_KEY_ID, key: keys }] : keys;
  const current = ring[0];
  if (!current) throw new AppError(ErrorCode.STORE_KEY_INVALID, 'the token keyring is empty');
  const byId = new Map<string, Buffer>();
  for (const k of ring) {
    if (!KEY_ID_PATTERN.test(k.id)) throw new AppError(ErrorCode.STORE_KEY_INVALID, 'token key ids are 1-32 characters of A-Z a-z 0-9 _ -', { details: { keyId: k.id } });
    if (k.key.length !== 32) throw new AppError(ErrorCode.STORE_KEY_INVALID, 'token encryption keys must be 32 bytes', { details: { keyId: k.id } });
    if (byId.has(k.id)) throw new AppError(ErrorCode.STORE_KEY_INVALID, 'token key ids must be unique', { details: { keyId: k.id } });
    byId.set(k.id, k.key);
  }

  return {
    currentKeyId: current.id,

    encrypt(plain, storeHash) {
      const iv = randomBytes(IV_BYTES);
      const c = createCipheriv(GCM, current.key, iv, { authTagLength: TAG_BYTES });
      c.setAAD(Buffer.from(storeHash));
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v2', current.id, iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
    },

    decrypt(sealed, storeHash) {
      const s = parseSealed(sealed);
      const candidates: Buffer[] = [];
      if (s.version === 'v1') {
        candidates.push(...byId.values());
      } else {
        const key = byId.get(s.keyId!);
        if (!key) throw new AppError(ErrorCode.STORE_TOKEN_KEY_UNKNOWN, 'stored token was sealed with a key the keyring does not hold', { details: { keyId: s.keyId } });
        candidates.push(key);
      }
      let cause: unknown;
      for (const key of candidates) {
        try {
          return open(key, s, storeHash);
        } catch (err) {
          cause = err;
        }
      }
      throw new AppError(ErrorCode.STORE_TOKEN_UNREADABLE, 'stored token does not decrypt with the configured key', { cause, details: { keyId: s.keyId, version: s.version } });
    },

    needsRotation(sealed) {
      const [version, keyId] = sealed.split(':');
      return version !== 'v2' || keyId !== current.id;
    },
  };
}
