import { Timestamp, type Firestore } from '@google-cloud/firestore';
import { GrpcStatus, grpcCode } from '../errors.ts';
import { COLLECTIONS } from '../firestore/collections.ts';
import type { Clock } from '../clock.ts';

/**
 * One category sync per store across instances: a lease document `flushLeases/{storeHash}` with an owner
 * and an expiry. Taking it is a `create()` (or, when it expired, an update guarded by the version we
 * read), so two instances can never both hold it; a crashed holder's lease simply expires.
 */
export interface Lease {
  storeHash: string;
  /** True once a renewal found the lease taken over (the sync must not write after that). */
  readonly lost: boolean;
  release(): Promise<void>;
}

export interface LeaseManager {
  tryAcquire(storeHash: string): Promise<Lease | undefined>;
}

export function createFirestoreLeases(db: Firestore, opts: { owner: string; leaseMs: number; clock: Clock }): LeaseManager {
  const leases = db.collection(COLLECTIONS.leases);

  return {
    async tryAcquire(storeHash) {
      const ref = leases.doc(storeHash);
      const fields = () => ({ owner: opts.owner, expiresAt: Timestamp.fromMillis(opts.clock.now() + opts.leaseMs) });
      let writeTime: Timestamp;
      try {
        writeTime = (await ref.create(fields())).writeTime;
      } catch (err) {
        if (grpcCode(err) !== GrpcStatus.ALREADY_EXISTS) throw err;
        const snap = await ref.get();
        const expiresAt = snap.get('expiresAt') as Timestamp | undefined;
        if (snap.exists && expiresAt && expiresAt.toMillis() > opts.clock.now()) return undefined;
        try {
          writeTime = snap.exists
            ? (await ref.update(fields(), { lastUpdateTime: snap.updateTime! })).writeTime
            : (await ref.create(fields())).writeTime;
        } catch (e) {
          const code = grpcCode(e);
          if (code === GrpcStatus.FAILED_PRECONDITION || code === GrpcStatus.ALREADY_EXISTS || code === GrpcStatus.NOT_FOUND) return undefined;
          throw e;
        }
      }

      let version = writeTime;
      let lost = false;
      let renewing: Promise<void> = Promise.resolve();
      const renew = async () => {
        try {
          version = (await ref.update(fields(), { lastUpdateTime: version })).writeTime;
        } catch {
          lost = true;
        }
      };
      const timer = setInterval(() => {
        renewing = renew();
      }, Math.max(1_000, Math.floor(opts.leaseMs / 3)));
      timer.unref();

      return {
        storeHash,
        get lost() {
          return lost;
        },
        async release() {
          clearInterval(timer);
          await renewing;
          if (lost) return;
          try {
            await ref.delete({ lastUpdateTime: version });
          } catch {
            // Taken over or already gone: nothing of ours to release.
          }
        },
      };
    },
  };
}
