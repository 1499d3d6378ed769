import { Timestamp, type Firestore } from '@google-cloud/firestore';
import { GrpcStatus, grpcCode } from '../errors.ts';
import { COLLECTIONS } from '../firestore/collections.ts';
import type { Clock } from '../clock.ts';

/**
 * One category sync per store across instances: a lease document `flushLeases/{storeHash}` with an owner
 * and an expiry. Taking it is a `create()` (or, when it expired, an update guarded by the version we
 * read), so two instances can never both hold it.
 *
 * Short lease, heartbeat: the lease lasts `leaseMs` (FLUSH_LEASE_SECONDS, 30 s) and its holder
 * renews it every `renewEveryMs` (a third of it, 10 s) for as long as the sync runs, however long
 * that is. A holder that dies (SIGKILL, instance gone, Firestore unreachable) stops renewing, so its
 * store is free again at most `leaseMs` after the last renewal. A renewal that finds the lease
 * changed (taken over) marks it lost at once; one that fails for another reason (unavailable) is
 * retried at the next beat, and the lease counts as lost once its own expiry has passed without a
 * successful renewal, because another instance may then take it.
 */
export interface Lease {
  storeHash: string;
  /** True once the lease may be held by someone else: the sync must not write after that. */
  readonly lost: boolean;
  release(): Promise<void>;
}

export interface LeaseManager {
  tryAcquire(storeHash: string): Promise<Lease | undefined>;
}

export interface LeaseOptions {
  owner: string;
  leaseMs: number;
  /** Heartbeat period; default leaseMs / 3. */
  renewEveryMs?: number;
  /**
   * Longest a holder keeps renewing (default: forever). A sync that hangs (a call that never
   * returns) would otherwise hold its store for good through its heartbeat; past this the renewals
   * stop, so the lease expires `leaseMs` later and another run (here or elsewhere) takes the store.
   */
  maxHoldMs?: number;
  clock: Clock;
}

export function createFirestoreLeases(db: Firestore, opts: LeaseOptions): LeaseManager {
  const leases = db.collection(COLLECTIONS.leases);
  const renewEveryMs = Math.max(1, opts.renewEveryMs ?? Math.floor(opts.leaseMs / 3));

  return {
    async tryAcquire(storeHash) {
      const ref = leases.doc(storeHash);
      let expiresAtMs = 0;
      const fields = () => {
        expiresAtMs = opts.clock.now() + opts.leaseMs;
        return { owner: opts.owner, expiresAt: Timestamp.fromMillis(expiresAtMs) };
      };
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
      const heldSinceMs = opts.clock.now();
      let lost = false;
      let released = false;
      const stop = new AbortController();
      const renew = async () => {
        const candidateExpiry = expiresAtMs;
        try {
          version = (await ref.update(fields(), { lastUpdateTime: version })).writeTime;
        } catch (e) {
          expiresAtMs = candidateExpiry;
          const code = grpcCode(e);
          if (code === GrpcStatus.FAILED_PRECONDITION || code === GrpcStatus.NOT_FOUND || opts.clock.now() >= expiresAtMs) lost = true;
        }
      };
      let renewing: Promise<void> = Promise.resolve();
      void (async () => {
        while (!released && !lost) {
          try {
            await opts.clock.sleep(renewEveryMs, stop.signal);
          } catch {
            return; // released
          }
          if (released) return;
          // A run past its longest hold is presumed hung: stop renewing and let the lease expire.
          if (opts.maxHoldMs !== undefined && opts.clock.now() - heldSinceMs >= opts.maxHoldMs) return;
          renewing = renew();
          await renewing;
        }
      })();

      return {
        storeHash,
        get lost() {
          return lost || opts.clock.now() >= expiresAtMs;
        },
        async release() {
          released = true;
          stop.abort();
          // Only an in-flight renewal is awaited (a test clock's sleep may never wake).
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
