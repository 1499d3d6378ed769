import { FieldValue, Timestamp, type DocumentData, type Firestore } from '@google-cloud/firestore';
import { COLLECTIONS } from '../firestore/collections.ts';
import { timestampMillis } from '../firestore/timestamps.ts';
import { AppError, ErrorCode } from '../errors.ts';
import type { PendingStore } from '../events/pending-store.ts';
import type { Logger } from '../logger.ts';
import { isStaleUninstall } from './stale-uninstall.ts';
import type { StoreStatus } from './store-directory.ts';
import type { TokenCipher } from './token-cipher.ts';
import { decideUninstall, type KeepReason, type TokenProbe, type TokenState } from './confirm-uninstall.ts';

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
 *
 * Neither forgets a store on its word alone: both signals can be replayed (confirm-uninstall.ts).
 * Before forgetting, the stored token is tried against BigCommerce (`probeToken`); only a 401
 * confirms. A token that still works keeps the store installed, and the refused attempt is recorded
 * in `uninstallRefusals` (store, source, reason, time) and logged as a warning.
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

/** `refused`: BigCommerce still accepts the token. `unconfirmed`: it could not say (or the token is unreadable). */
export type UninstallOutcome = 'uninstalled' | 'stale' | 'refused' | 'unconfirmed';
export type SettleOutcome = 'forgotten' | 'stale-event' | 'not-uninstalled' | 'already-settled' | 'unknown-store' | 'refused' | 'unconfirmed';
export type UninstallSource = 'callback' | 'event';

export interface StoreRegistry {
  /** Active, with a freshly encrypted token; a reinstall also clears the previous webhook marks. */
  install(storeHash: string, grant: InstallGrant, nowMs: number): Promise<void>;
  /**
   * The `/uninstall` callback: status uninstalled, token deleted, pending dropped. `issuedAtMs` (the
   * JWT's iat) older than the current installation -> 'stale', nothing changed. Only when BigCommerce
   * refuses the stored token (401); otherwise 'refused' / 'unconfirmed', nothing changed but the record.
   */
  uninstall(storeHash: string, opts: { nowMs: number; issuedAtMs?: number | undefined }): Promise<{ outcome: UninstallOutcome; dropped: number }>;
  /**
   * Completes an uninstall recorded by the event path: forgets the token and drops pending work, or
   * reverts the status when the event predates the current installation. Idempotent. Forgets only
   * when BigCommerce refuses the stored token: a token that still works reverts the status to active
   * ('refused'); no answer leaves it for the reconcile sweep to settle later ('unconfirmed').
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

export interface StoreRegistryDeps {
  db: Firestore;
  cipher: TokenCipher | undefined;
  pending: PendingStore;
  logger: Logger;
  /** One cheap authenticated BigCommerce call with the store's token (probeStoreToken). */
  probeToken: (storeHash: string, accessToken: string) => Promise<TokenProbe>;
  /** Time of refusal records (default Date.now). */
  nowMs?: () => number;
}

// eslint-disable-next-line max-lines-per-function -- one short method per registry operation over the same collection; the shared rules live in stale-uninstall.ts and confirm-uninstall.ts
export function createStoreRegistry(deps: StoreRegistryDeps): StoreRegistry {
  const stores = deps.db.collection(COLLECTIONS.stores);
  const refusals = deps.db.collection(COLLECTIONS.uninstallRefusals);
  const log = deps.logger;
  const now = deps.nowMs ?? Date.now;

  const openToken = (storeHash: string, sealed: unknown): string | undefined => {
    if (typeof sealed !== 'string' || !deps.cipher) return undefined;
    try {
      return deps.cipher.decrypt(sealed, storeHash);
    } catch {
      return undefined;
    }
  };

  /** What the stored token says about an uninstall; `token` is what was probed (to detect a reinstall meanwhile). */
  async function tokenState(storeHash: string, d: DocumentData): Promise<{ state: TokenState; token: string | undefined }> {
    if (typeof d.accessTokenEnc !== 'string') return { state: 'none', token: undefined };
    const token = openToken(storeHash, d.accessTokenEnc);
    if (token === undefined) return { state: 'unreadable', token: undefined };
    return { state: await deps.probeToken(storeHash, token), token };
  }

  async function recordRefusal(storeHash: string, source: UninstallSource, reason: KeepReason, extra: { issuedAtMs?: number | undefined } = {}) {
    const at = Timestamp.fromMillis(now());
    await refusals.add({ storeHash, source, reason, at, ...(extra.issuedAtMs !== undefined ? { issuedAt: Timestamp.fromMillis(extra.issuedAtMs) } : {}) });
    await stores.doc(storeHash).set({ uninstallRefusedAt: at }, { merge: true });
    log.warn({ storeHash, source, reason, issuedAtMs: extra.issuedAtMs }, 'uninstall refused: BigCommerce did not confirm it');
  }

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
      // iat has seconds precision: only a payload issued a full second before the install is stale.
      const isStale = (d: DocumentData) => isStaleUninstall(opts.issuedAtMs, ms(d.installedAt));
      const before = (await ref.get()).data() ?? {};
      let outcome: UninstallOutcome;
      if (isStale(before)) {
        outcome = 'stale';
      } else {
        const { state, token } = await tokenState(storeHash, before);
        const decision = decideUninstall(state);
        if (decision.action === 'keep') {
          await recordRefusal(storeHash, 'callback', decision.reason, { issuedAtMs: opts.issuedAtMs });
          return { outcome: decision.reason === 'token-valid' ? 'refused' : 'unconfirmed', dropped: 0 };
        }
        outcome = await deps.db.runTransaction(async (tx) => {
          const d = (await tx.get(ref)).data() ?? {};
          // A reinstall between the probe and now wrote another token: the probe said nothing about it.
          if (isStale(d) || openToken(storeHash, d.accessTokenEnc) !== token) return 'stale' as const;
          tx.set(
            ref,
            { storeHash, status: 'uninstalled', uninstalledAt: Timestamp.fromMillis(opts.nowMs), accessTokenEnc: FieldValue.delete(), webhookGapSince: FieldValue.delete() },
            { merge: true },
          );
          return 'uninstalled' as const;
        });
      }
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
      const isStaleEvent = (d: DocumentData) => isStaleUninstall(typeof d.uninstallEventCreatedAt === 'number' ? d.uninstallEventCreatedAt * 1000 : undefined, ms(d.installedAt));
      const before = (await ref.get()).data();
      // Asked only when there is something to forget: the probe is a BigCommerce call.
      let probed: { state: TokenState; token: string | undefined } | undefined;
      if (before?.status === 'uninstalled' && !isStaleEvent(before) && typeof before.accessTokenEnc === 'string') {
        probed = await tokenState(storeHash, before);
        const decision = decideUninstall(probed.state);
        if (decision.action === 'keep') {
          if (decision.reason === 'token-valid') {
            // The store is installed after all: processing resumes (the event's status mark is undone).
            await deps.db.runTransaction(async (tx) => {
              const d = (await tx.get(ref)).data() ?? {};
              if (d.status === 'uninstalled') tx.set(ref, { status: 'active', uninstalledAt: FieldValue.delete(), uninstallEventCreatedAt: FieldValue.delete() }, { merge: true });
            });
          }
          await recordRefusal(storeHash, 'event', decision.reason);
          return { outcome: decision.reason === 'token-valid' ? 'refused' : 'unconfirmed', dropped: 0 };
        }
      }
      const outcome = await deps.db.runTransaction(async (tx): Promise<SettleOutcome> => {
        const snap = await tx.get(ref);
        if (!snap.exists) return 'unknown-store';
        const d = snap.data() ?? {};
        if (d.status !== 'uninstalled') return 'not-uninstalled';
        if (isStaleEvent(d)) {
          tx.set(ref, { status: 'active', uninstalledAt: FieldValue.delete(), uninstallEventCreatedAt: FieldValue.delete() }, { merge: true });
          return 'stale-event';
        }
        if (typeof d.accessTokenEnc !== 'string' && d.webhookGapSince === undefined) return 'already-settled';
        // The token forgotten must be the one BigCommerce refused (a reinstall meanwhile wrote another).
        if (typeof d.accessTokenEnc === 'string' && (probed === undefined || openToken(storeHash, d.accessTokenEnc) !== probed.token)) return 'unconfirmed';
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
