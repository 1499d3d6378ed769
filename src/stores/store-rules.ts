import { Timestamp, type DocumentData, type Firestore } from '@google-cloud/firestore';
import type { Clock } from '../clock.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { COLLECTIONS } from '../firestore/collections.ts';
import { diffRuleSets, type RuleSetChanges } from '../rules/diff-rule-sets.ts';
import { parseRuleSet, type RuleSet } from '../rules/rule-set-schema.ts';

/** Who saved a version: the control-panel user from the signed payload, or an operator's CLI. */
export interface RuleAuthor {
  via: 'app' | 'cli';
  userId?: number | undefined;
  email?: string | undefined;
}

export interface RuleVersion {
  /** 1, 2, 3 ... per store; never reused. */
  version: number;
  ruleSet: RuleSet;
  savedAtMs: number;
  author: RuleAuthor;
  action: 'save' | 'rollback';
  /** For a rollback: the version whose rules were restored. */
  restoredVersion?: number | undefined;
  changes: RuleSetChanges;
}

/** The store's own current rules; absent when the store never saved any (the default rule set applies). */
export type CurrentRules = Pick<RuleVersion, 'version' | 'ruleSet' | 'savedAtMs' | 'author'>;

export interface SaveOptions {
  author: RuleAuthor;
  /**
   * The version the editor started from (0 = "the store had no rules"). A save on top of another
   * version fails with RULES_VERSION_CONFLICT instead of silently overwriting someone else's edit.
   * Omitted: last write wins (the CLI's `--force`).
   */
  expectedVersion?: number | undefined;
}

/**
 * Per-store rules with history (`stores/{hash}.currentRules` + `stores/{hash}/ruleVersions/{n}`).
 * Every save and rollback appends a version in one transaction with the pointer, so the current
 * rules and the history never disagree, and two concurrent saves cannot both claim a number.
 */
export interface StoreRules {
  current(storeHash: string): Promise<CurrentRules | undefined>;
  /** Validates with the rule schema (AppError RULES_INVALID, nothing written), then appends a version. */
  save(storeHash: string, input: unknown, opts: SaveOptions): Promise<RuleVersion>;
  /** Appends a version with the rules of `toVersion` (AppError RULES_VERSION_NOT_FOUND). */
  rollback(storeHash: string, toVersion: number, opts: SaveOptions): Promise<RuleVersion>;
  /** Newest first. */
  versions(storeHash: string, opts?: { limit?: number }): Promise<RuleVersion[]>;
  version(storeHash: string, version: number): Promise<RuleVersion | undefined>;
}

/**
 * Rules are stored as a JSON string: Firestore limits map nesting to 20 levels (the schema allows
 * 64) and rejects `undefined`, and a string keeps the merchant's rules byte for byte.
 */
const MAX_RULES_JSON_BYTES = 256 * 1024;
export const RULE_VERSIONS_SUBCOLLECTION = 'ruleVersions';
const versionId = (n: number) => String(n).padStart(8, '0');

function authorFrom(raw: unknown): RuleAuthor {
  const a = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  return { via: a.via === 'cli' ? 'cli' : 'app', userId: typeof a.userId === 'number' ? a.userId : undefined, email: typeof a.email === 'string' ? a.email : undefined };
}

const authorDoc = (a: RuleAuthor) => ({ via: a.via, ...(a.userId !== undefined ? { userId: a.userId } : {}), ...(a.email !== undefined ? { email: a.email } : {}) });

/**
 * The current rules from a `stores/{hash}` document, or undefined when it has none of its own.
 * Stored rules are validated again on read: a schema that became stricter must not let old rules
 * through unchecked (AppError RULES_INVALID names the store and version).
 */
export function currentRulesFromDoc(storeHash: string, d: DocumentData | undefined): CurrentRules | undefined {
  const c = d?.currentRules as Record<string, unknown> | undefined;
  if (!c || typeof c.ruleSetJson !== 'string' || typeof c.version !== 'number') return undefined;
  return {
    version: c.version,
    ruleSet: parseRuleSet(JSON.parse(c.ruleSetJson), `stores/${storeHash} rules v${c.version}`),
    savedAtMs: c.savedAt instanceof Timestamp ? c.savedAt.toMillis() : 0,
    author: authorFrom(c.author),
  };
}

function versionFromDoc(storeHash: string, d: DocumentData): RuleVersion {
  const version = d.version as number;
  return {
    version,
    ruleSet: parseRuleSet(JSON.parse(d.ruleSetJson as string), `stores/${storeHash} rules v${version}`),
    savedAtMs: d.savedAt instanceof Timestamp ? d.savedAt.toMillis() : 0,
    author: authorFrom(d.author),
    action: d.action === 'rollback' ? 'rollback' : 'save',
    restoredVersion: typeof d.restoredVersion === 'number' ? d.restoredVersion : undefined,
    changes: d.changes as RuleSetChanges,
  };
}

export function createStoreRules(deps: { db: Firestore; clock: Clock }): StoreRules {
  const stores = deps.db.collection(COLLECTIONS.stores);
  const versionsOf = (storeHash: string) => stores.doc(storeHash).collection(RULE_VERSIONS_SUBCOLLECTION);

  async function append(storeHash: string, ruleSet: RuleSet, opts: SaveOptions, action: RuleVersion['action'], restoredVersion?: number): Promise<RuleVersion> {
    const ruleSetJson = JSON.stringify(ruleSet);
    if (Buffer.byteLength(ruleSetJson) > MAX_RULES_JSON_BYTES) {
      throw new AppError(ErrorCode.RULES_TOO_LARGE, `the rule set is larger than ${MAX_RULES_JSON_BYTES / 1024} KiB`, { details: { storeHash, bytes: Buffer.byteLength(ruleSetJson) } });
    }
    return deps.db.runTransaction(async (tx) => {
      const storeRef = stores.doc(storeHash);
      const snap = await tx.get(storeRef);
      let previous: CurrentRules | undefined;
      try {
        previous = currentRulesFromDoc(storeHash, snap.data());
      } catch {
        // Rules that no longer validate are replaced by a valid save; the diff treats them as absent.
        previous = undefined;
      }
      const currentVersion = typeof snap.get('currentRules.version') === 'number' ? (snap.get('currentRules.version') as number) : 0;
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== currentVersion) {
        throw new AppError(ErrorCode.RULES_VERSION_CONFLICT, `the rules were changed meanwhile (now version ${currentVersion}, edited from ${opts.expectedVersion}); reload and apply your edit again`, {
          details: { storeHash, currentVersion, expectedVersion: opts.expectedVersion },
        });
      }
      const version = currentVersion + 1;
      const savedAt = Timestamp.fromMillis(deps.clock.now());
      const changes = diffRuleSets(previous?.ruleSet, ruleSet);
      const author = authorDoc(opts.author);
      tx.create(versionsOf(storeHash).doc(versionId(version)), {
        version,
        ruleSetJson,
        savedAt,
        author,
        action,
        ...(restoredVersion !== undefined ? { restoredVersion } : {}),
        changes,
      });
      tx.set(storeRef, { storeHash, currentRules: { version, ruleSetJson, savedAt, author } }, { merge: true });
      return { version, ruleSet, savedAtMs: savedAt.toMillis(), author: opts.author, action, restoredVersion, changes };
    });
  }

  return {
    async current(storeHash) {
      return currentRulesFromDoc(storeHash, (await stores.doc(storeHash).get()).data());
    },

    async save(storeHash, input, opts) {
      return append(storeHash, parseRuleSet(input, `rules for store ${storeHash}`), opts, 'save');
    },

    async rollback(storeHash, toVersion, opts) {
      const target = Number.isSafeInteger(toVersion) && toVersion > 0 ? await versionsOf(storeHash).doc(versionId(toVersion)).get() : undefined;
      if (!target?.exists) throw new AppError(ErrorCode.RULES_VERSION_NOT_FOUND, `store ${storeHash} has no rules version ${toVersion}`, { details: { storeHash, version: toVersion } });
      return append(storeHash, versionFromDoc(storeHash, target.data()!).ruleSet, opts, 'rollback', toVersion);
    },

    async versions(storeHash, opts = {}) {
      const snap = await versionsOf(storeHash).orderBy('version', 'desc').limit(Math.min(Math.max(opts.limit ?? 50, 1), 500)).get();
      return snap.docs.map((d) => versionFromDoc(storeHash, d.data()));
    },

    async version(storeHash, version) {
      if (!Number.isSafeInteger(version) || version <= 0) return undefined;
      const snap = await versionsOf(storeHash).doc(versionId(version)).get();
      return snap.exists ? versionFromDoc(storeHash, snap.data()!) : undefined;
    },
  };
}
