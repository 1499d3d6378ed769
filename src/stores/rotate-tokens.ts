import type { Firestore } from '@google-cloud/firestore';
import { COLLECTIONS } from '../firestore/collections.ts';
import { isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { TokenCipher } from './token-cipher.ts';

/** What `tokens rotate` did, store by store. */
export interface RotationReport {
  /** Stores holding an encrypted token. */
  stores: number;
  /** Re-sealed with the current key. */
  rotated: number;
  /** Already sealed with the current key (nothing written). */
  current: number;
  /** The token changed between the read and the write (a reinstall): left as the new write has it. */
  changed: number;
  /** Did not open with any key of the ring (code per store): left untouched, the store must reinstall. */
  unreadable: { storeHash: string; code: string }[];
}

/**
 * Re-seals every stored access token with the keyring's current key, so a previous key can be removed
 * from TOKEN_ENCRYPTION_KEYS afterwards. Safe to run while the service runs and twice in a row:
 *  - each store is re-sealed in its own transaction that first re-reads the sealed value and writes only
 *    if it is unchanged, so a concurrent reinstall (which writes a new token) is never overwritten;
 *  - the plain token is the same before and after, so the service (which decrypts through the store
 *    directory on every use, with a keyring holding both keys) keeps working at every moment;
 *  - tokens already under the current key are not written again.
 * With `dryRun`, counts what would be rotated and writes nothing.
 */
export async function rotateTokens(deps: { db: Firestore; cipher: TokenCipher; logger: Logger }, opts: { dryRun?: boolean } = {}): Promise<RotationReport> {
  const stores = deps.db.collection(COLLECTIONS.stores);
  const report: RotationReport = { stores: 0, rotated: 0, current: 0, changed: 0, unreadable: [] };
  const snap = await stores.select('accessTokenEnc').get();
  for (const doc of snap.docs) {
    const sealed: unknown = doc.get('accessTokenEnc');
    if (typeof sealed !== 'string') continue;
    report.stores++;
    if (!deps.cipher.needsRotation(sealed)) {
      report.current++;
      continue;
    }
    const storeHash = doc.id;
    try {
      // Opening it first also proves the ring can read it (a dry run reports unreadable tokens too).
      deps.cipher.decrypt(sealed, storeHash);
      if (opts.dryRun) {
        report.rotated++;
        continue;
      }
      const outcome = await deps.db.runTransaction(async (tx) => {
        const now: unknown = (await tx.get(doc.ref)).get('accessTokenEnc');
        if (now !== sealed) return 'changed' as const;
        tx.update(doc.ref, { accessTokenEnc: deps.cipher.encrypt(deps.cipher.decrypt(sealed, storeHash), storeHash) });
        return 'rotated' as const;
      });
      report[outcome]++;
    } catch (err) {
      if (!isAppError(err) || !err.code.startsWith('STORE_TOKEN_')) throw err;
      report.unreadable.push({ storeHash, code: err.code });
      deps.logger.error({ storeHash, code: err.code, keyId: err.details?.keyId }, 'stored token unreadable during rotation');
    }
  }
  deps.logger.info({ ...report, unreadable: report.unreadable.length, currentKeyId: deps.cipher.currentKeyId, dryRun: opts.dryRun === true }, 'token rotation done');
  return report;
}
