import { FieldValue, Timestamp, type DocumentData, type Firestore } from '@google-cloud/firestore';
import { COLLECTIONS } from '../firestore/collections.ts';
import { timestampMillis } from '../firestore/timestamps.ts';
import { AppError, ErrorCode } from '../errors.ts';
import type { PendingStore } from '../events/pending-store.ts';
import type { Logger } from '../logger.ts';
import { isStaleUninstall } from './stale-uninstall.ts';
import type { StoreStatus } from './store-directory.ts';
import type { TokenCipher } from './token-cipher.ts';

/**
 * The write side of the store registry (`stores/{hash}`; the read side is store-directory.ts).
 * Fields written here: status, accessTokenEnc (AES-GCM, token-cipher.ts), scopes, accountUuid,
 * installedAt, uninstalledAt, and the webhook lifecycle marks webhooksReconciledAt,
 * webhookGapSince (a delivery gap not yet backfilled) and lastBackfillAt. The plain token is never
 * stored, logged, or put in an error.
 *
 * Uninstall has two sources, made consistent here: the `/uninstall` callback (`uninstall`) and the
 * `store/app/uninstalled` event, which ingest records as status uninstalled (events/) and which
 * `settleUninstall` completes by forgetting the token and dropping pending work. Both refuse to act
 * on news older than the current installation (a late event or a replayed callback after a
 * reinstall), so a reinstalled store is not switched off by its previous uninstall.
 */

export interface InstallGrant {
  accessToken: string;
  /** OAuth scopes granted (space separated in the token response). */
  scopes: readonly string[];
  accountUuid?: string | undefined;
}

export interface StoreLifecycle {
  storeHash: string;
  status: StoreStatus;
  hasToken: boolean;
  scopes: string[];
  installedAtMs: number | undefined;
  uninstalledAtMs: number | undefined;
  lastEventAtMs: number | undefined;
  lastFlushAtMs: number | undefined;
  webhooksReconciledAtMs: number | undefined;
  webhookGapSinceMs: number | undefined;
  lastBackfillAtMs: number | undefined;
}

export type UninstallOutcome = 'uninstalled' | 'stale';
export type SettleOutcome = 'forgotten' | 'stale-event' | 'not-uninstalled' | 'already-settled' | 'unknown-store';

export interface StoreRegistry {
  /** Active, with a freshly encrypted token; a reinstall also clears the previous webhook marks. */
  install(storeHash: string, grant: InstallGrant, nowMs: number): Promise<void>;
  /**
   * The `/uninstall` callback: status uninstalled, token deleted, pending dropped. `issuedAtMs` (the
   * JWT's iat) older than the current installation -> 'stale', nothing changed.
   */
  uninstall(storeHash: string, opts: { nowMs: number; issuedAtMs?: number | undefined }): Promise<{ outcome: UninstallOutcome; dropped: number }>;
  /**
   * Completes an uninstall recorded by the event path: forgets the token and drops pending work, or
   * reverts the status when the event predates the current installation. Idempotent.
   */
  settleUninstall(storeHash: string): Promise<{ outcome: SettleOutcome; dropped: number }>;
  lifecycle(storeHash: string): Promise<StoreLifecycle | undefined>;
  /** Uninstalled stores that still hold a token (the event path did not finish: settle them). */
  uninstalledWithToken(): Promise<string[]>;
  /** Records that deliveries may have been missed since `sinceMs` (keeps an earlier open gap). Returns the gap start. */
  openWebhookGap(storeHash: string, sinceMs: number): Promise<number>;
  /**
   * A finished reconcile. With `backfill`, products modified up to `startedAtMs` are queued: the
   * open gap is then closed (hooks active again) or advanced to `startedAtMs` (hooks still off).
   */
  recordReconcile(storeHash: string, r: { atMs: number; backfill?: { startedAtMs: number; gapAfter: 'closed' | 'advanced' | 'none' } | undefined }): Promise<void>;
}

const ms = timestampMillis;

function lifecycleOf(storeHash: string, d: DocumentData): StoreLifecycle {
  return {
    storeHash,
    status: d.status === 'uninstalled' ? 'uninstalled' : 'active',
    hasToken: typeof d.accessTokenEnc === 'string',
    scopes: Array.isArray(d.scopes) ? d.scopes.filter((s): s is string => typeof s === 'string') : [],
    installedAtMs: ms(d.installedAt),
    uninstalledAtMs: ms(d.uninstalledAt),
    lastEventAtMs: ms(d.lastEventAt),
    lastFlushAtMs: ms(d.lastFlushAt),
    webhooksReconciledAtMs: ms(d.webhooksReconciledAt),
    webhookGapSinceMs: ms(d.webhookGapSince),
    lastBackfillAtMs: ms(d.lastBackfillAt),
  };
}

// eslint-disable-next-line max-lines-per-function -- one short method per registry operation over the same collection; the shared rules live in stale-uninstall.ts
export function createStoreRegistry(deps: { db: Firestore; cipher: TokenCipher | undefined; pending: PendingStore; logger: Logger }): StoreRegistry {
  const stores = deps.db.collection(COLLECTIONS.stores);
  const log = deps.logger;

  return {
    async install(storeHash, grant, nowMs) {
      if (!deps.cipher) throw new AppError(ErrorCode.STORE_KEY_MISSING, 'TOKEN_ENCRYPTION_KEY is not set: access tokens cannot be stored encrypted');
      if (!grant.accessToken) throw new AppError(ErrorCode.STORE_TOKEN_MISSING, 'the token response carried no access token', { details: { storeHash } });
      await stores.doc(storeHash).set(
        {
          storeHash,
          status: 'active',
          accessTokenEnc: deps.cipher.encrypt(grant.accessToken, storeHash),
          scopes: [...grant.scopes],
          accountUuid: grant.accountUuid ?? null,
          installedAt: Timestamp.fromMillis(nowMs),
          uninstalledAt: FieldValue.delete(),
          uninstallEventCreatedAt: FieldValue.delete(),
          // A new installation starts with a full sync: earlier gaps are covered by it.
          webhooksReconciledAt: FieldValue.delete(),
          webhookGapSince: FieldValue.delete(),
          lastBackfillAt: FieldValue.delete(),
        },
        { merge: true },
      );
      log.info({ storeHash, scopes: grant.scopes }, 'store installed');
    },

    async uninstall(storeHash, opts) {
      const ref = stores.doc(storeHash);
      const outcome = await deps.db.runTransaction(async (tx) => {
        const d = (await tx.get(ref)).data() ?? {};
        const installedAtMs = ms(d.installedAt);
        if (isStaleUninstall(opts.issuedAtMs, installedAtMs)) return 'stale' as const;
        tx.set(
          ref,
          { storeHash, status: 'uninstalled', uninstalledAt: Timestamp.fromMillis(opts.nowMs), accessTokenEnc: FieldValue.delete(), webhookGapSince: FieldValue.delete() },
          { merge: true },
        );
        return 'uninstalled' as const;
      });
      if (outcome === 'stale') {
        log.warn({ storeHash, issuedAtMs: opts.issuedAtMs }, 'uninstall callback older than the installation ignored');
        return { outcome, dropped: 0 };
      }
      const dropped = await deps.pending.dropStore(storeHash);
      log.info({ storeHash, dropped, source: 'callback' }, 'store uninstalled');
      return { outcome, dropped };
    },

    async settleUninstall(storeHash) {
      const ref = stores.doc(storeHash);
      const outcome = await deps.db.runTransaction(async (tx): Promise<SettleOutcome> => {
        const snap = await tx.get(ref);
        if (!snap.exists) return 'unknown-store';
        const d = snap.data() ?? {};
        if (d.status !== 'uninstalled') return 'not-uninstalled';
        const installedAtMs = ms(d.installedAt);
        const eventAtMs = typeof d.uninstallEventCreatedAt === 'number' ? d.uninstallEventCreatedAt * 1000 : undefined;
        if (isStaleUninstall(eventAtMs, installedAtMs)) {
          tx.set(ref, { status: 'active', uninstalledAt: FieldValue.delete(), uninstallEventCreatedAt: FieldValue.delete() }, { merge: true });
          return 'stale-event';
        }
        if (typeof d.accessTokenEnc !== 'string' && d.webhookGapSince === undefined) return 'already-settled';
        tx.set(ref, { accessTokenEnc: FieldValue.delete(), webhookGapSince: FieldValue.delete() }, { merge: true });
        return 'forgotten';
      });
      if (outcome === 'stale-event') {
        log.warn({ storeHash }, 'uninstall event older than the installation ignored');
        return { outcome, dropped: 0 };
      }
      if (outcome !== 'forgotten' && outcome !== 'already-settled') return { outcome, dropped: 0 };
      const dropped = await deps.pending.dropStore(storeHash);
      if (outcome === 'forgotten') log.info({ storeHash, dropped, source: 'event' }, 'store uninstalled');
      return { outcome, dropped };
    },

    async lifecycle(storeHash) {
      const snap = await stores.doc(storeHash).get();
      return snap.exists ? lifecycleOf(storeHash, snap.data() ?? {}) : undefined;
    },

    async uninstalledWithToken() {
      const snap = await stores.where('status', '==', 'uninstalled').select('accessTokenEnc').get();
      return snap.docs.filter((d) => typeof d.get('accessTokenEnc') === 'string').map((d) => d.id);
    },

    async openWebhookGap(storeHash, sinceMs) {
      const ref = stores.doc(storeHash);
      return deps.db.runTransaction(async (tx) => {
        const open = ms((await tx.get(ref)).get('webhookGapSince'));
        if (open !== undefined && open <= sinceMs) return open;
        tx.set(ref, { storeHash, webhookGapSince: Timestamp.fromMillis(sinceMs) }, { merge: true });
        return sinceMs;
      });
    },

    async recordReconcile(storeHash, r) {
      await stores.doc(storeHash).set(
        {
          storeHash,
          webhooksReconciledAt: Timestamp.fromMillis(r.atMs),
          ...(r.backfill ? { lastBackfillAt: Timestamp.fromMillis(r.backfill.startedAtMs) } : {}),
          ...(r.backfill?.gapAfter === 'closed' ? { webhookGapSince: FieldValue.delete() } : {}),
          ...(r.backfill?.gapAfter === 'advanced' ? { webhookGapSince: Timestamp.fromMillis(r.backfill.startedAtMs) } : {}),
        },
        { merge: true },
      );
    },
  };
}
