import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../errors.ts';

/**
 * Access tokens at rest: AES-256-GCM with a key from configuration (Secret Manager in production).
 * The stored form is `v1:<iv>:<tag>:<ciphertext>` (base64url), bound to the store hash as
 * associated data so a token copied onto another store's record does not decrypt.
 */
export interface TokenCipher {
  encrypt(plain: string, storeHash: string): string;
  decrypt(sealed: string, storeHash: string): string;
}

export function createTokenCipher(key: Buffer): TokenCipher {
  if (key.length !== 32) throw new AppError(ErrorCode.STORE_KEY_INVALID, 'token encryption key must be 32 bytes');
  return {
    encrypt(plain, storeHash) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.from(storeHash));
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
    },
    decrypt(sealed, storeHash) {
      const [v, iv, tag, data] = sealed.split(':');
      if (v !== 'v1' || !iv || !tag || data === undefined) throw new AppError(ErrorCode.STORE_TOKEN_UNREADABLE, 'stored token has an unknown format');
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        d.setAAD(Buffer.from(storeHash));
        d.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
      } catch (cause) {
        throw new AppError(ErrorCode.STORE_TOKEN_UNREADABLE, 'stored token does not decrypt with the configured key', { cause });
      }
    },
  };
}
