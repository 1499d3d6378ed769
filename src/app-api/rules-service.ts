import type { Logger } from '../logger.ts';
import type { RuleVersion, SaveOptions, StoreRules } from '../stores/store-rules.ts';

/**
 * Starts bringing a whole store in line with its (new) rules. Today the scheduler's full sync; the
 * resumable chunked sync job replaces it behind this one function. Must not wait for the sync:
 * the caller answers the merchant as soon as the version is stored.
 */
export type StartFullSync = (storeHash: string) => Promise<unknown>;

export interface RulesService {
  /** Validates, stores a new version and starts a full sync. Throws RULES_INVALID / RULES_VERSION_CONFLICT / RULES_TOO_LARGE. */
  replace(storeHash: string, input: unknown, opts: SaveOptions): Promise<RuleVersion>;
  /** Restores an earlier version as a new one and starts a full sync. Throws RULES_VERSION_NOT_FOUND / RULES_VERSION_CONFLICT. */
  rollback(storeHash: string, toVersion: number, opts: SaveOptions): Promise<RuleVersion>;
}

/**
 * Rule changes, for the app API and the CLI alike: the store's catalog only conforms after a full
 * sync (a product no event touches would otherwise keep its old categories until the daily sync),
 * so every stored version starts one. A sync that fails to start is logged, not thrown: the version
 * is stored and the daily full sync (Scheduler) catches up.
 */
export function createRulesService(deps: { storeRules: StoreRules; startFullSync: StartFullSync; logger: Logger }): RulesService {
  const started = (storeHash: string, v: RuleVersion): RuleVersion => {
    deps.logger.info({ storeHash, version: v.version, action: v.action, changes: v.changes }, 'rules version stored');
    deps.startFullSync(storeHash).catch((err: unknown) => deps.logger.error({ storeHash, version: v.version, err }, 'full sync after rules change failed'));
    return v;
  };
  return {
    async replace(storeHash, input, opts) {
      return started(storeHash, await deps.storeRules.save(storeHash, input, opts));
    },
    async rollback(storeHash, toVersion, opts) {
      return started(storeHash, await deps.storeRules.rollback(storeHash, toVersion, opts));
    },
  };
}
