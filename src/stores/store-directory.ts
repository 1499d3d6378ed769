import { Timestamp, type Firestore } from '@google-cloud/firestore';
import { COLLECTIONS } from '../firestore/collections.ts';
import { timestampMillis } from '../firestore/timestamps.ts';
import type { Logger } from '../logger.ts';
import type { RuleSet } from '../rules/rule-set-schema.ts';
import { isStaleUninstall } from './stale-uninstall.ts';
import { currentRulesFromDoc } from './store-rules.ts';
import type { TokenCipher } from './token-cipher.ts';

export type StoreStatus = 'active' | 'uninstalled';

/** What processing needs to know about one store. */
export interface StoreContext {
  storeHash: string;
  status: StoreStatus;
  accessToken: string | undefined;
  ruleSet: RuleSet | undefined;
  /** Catalog size from the last full sync (drives the full-sync planner). */
  catalogTotal: number | undefined;
  /** Newest event time seen (ms), for gap backfill. */
  lastEventAtMs: number | undefined;
}

export interface StoreDirectory {
  get(storeHash: string): Promise<StoreContext | undefined>;
  /** Stores with credentials that are not uninstalled. */
  activeStores(): Promise<string[]>;
  recordSync(storeHash: string, info: { syncedAtMs: number; lastEventAtMs?: number | undefined; catalogTotal?: number | undefined }): Promise<void>;
}

export interface StoreDirectoryOptions {
  db: Firestore;
  /** Single-store mode (BIGCOMMERCE_STORE_HASH + BIGCOMMERCE_ACCESS_TOKEN). */
  singleStore?: { storeHash: string; accessToken: string } | undefined;
  /** CATEGORY_RULES_FILE: rules for stores without rules of their own. */
  defaultRuleSet?: RuleSet | undefined;
  cipher?: TokenCipher | undefined;
  logger?: Logger | undefined;
}

/**
 * Stores live in Firestore (`stores/{hash}`): status, encrypted token, the current version of the
 * store's rules (store-rules.ts), catalog size,
 * last event time. Single-store mode adds the store from configuration, whose status still comes
 * from Firestore (a `store/app/uninstalled` event stops its processing too).
 */
export function createStoreDirectory(opts: StoreDirectoryOptions): StoreDirectory {
  const stores = opts.db.collection(COLLECTIONS.stores);
  const single = opts.singleStore;

  return {
    async get(storeHash) {
      const snap = await stores.doc(storeHash).get();
      const d = snap.data() ?? {};
      const isSingle = single?.storeHash === storeHash;
      if (!snap.exists && !isSingle) return undefined;

      let accessToken = isSingle ? single.accessToken : undefined;
      if (!accessToken && typeof d.accessTokenEnc === 'string' && opts.cipher) {
        try {
          accessToken = opts.cipher.decrypt(d.accessTokenEnc, storeHash);
        } catch (err) {
          opts.logger?.error({ storeHash, err }, 'store token unreadable');
        }
      }
      // The store's own versioned rules (store-rules.ts) win; without any, CATEGORY_RULES_FILE's.
      let ruleSet = opts.defaultRuleSet;
      try {
        const own = currentRulesFromDoc(storeHash, d);
        if (own) ruleSet = own.ruleSet;
      } catch (err) {
        // Never fall back to the default here: it could remove what the store's own rules put in place.
        opts.logger?.error({ storeHash, err }, 'store rules invalid');
        ruleSet = undefined;
      }
      // An uninstall event older than the latest install is stale (a reinstall came after it): the
      // ingest batch marks the store unconditionally and settleUninstall reverts it; until then the
      // store is treated as active so its work is not dropped.
      const installedAtMs = timestampMillis(d.installedAt);
      const staleUninstall = isStaleUninstall(typeof d.uninstallEventCreatedAt === 'number' ? d.uninstallEventCreatedAt * 1000 : undefined, installedAtMs);
      return {
        storeHash,
        status: d.status === 'uninstalled' && !staleUninstall ? 'uninstalled' : 'active',
        accessToken,
        ruleSet,
        catalogTotal: typeof d.catalogTotal === 'number' ? d.catalogTotal : undefined,
        lastEventAtMs: timestampMillis(d.lastEventAt),
      };
    },

    async activeStores() {
      const snap = await stores.where('status', '==', 'active').select().get();
      const hashes = new Set(snap.docs.map((d) => d.id));
      if (single) {
        const s = await stores.doc(single.storeHash).get();
        if (s.get('status') !== 'uninstalled') hashes.add(single.storeHash);
      }
      return [...hashes].sort();
    },

    async recordSync(storeHash, info) {
      await stores.doc(storeHash).set(
        {
          storeHash,
          lastFlushAt: Timestamp.fromMillis(info.syncedAtMs),
          ...(info.catalogTotal !== undefined ? { catalogTotal: info.catalogTotal } : {}),
          // One category sync per store at a time (lease), so syncs of a store do not finish out of order.
          ...(info.lastEventAtMs !== undefined ? { lastEventAt: Timestamp.fromMillis(info.lastEventAtMs) } : {}),
        },
        { merge: true },
      );
    },
  };
}
