// Versioned per-store rules on the Firestore emulator: history, rollback, conflicts, validation,
// and the store directory reading them (with the default rule set as the fallback).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { testFirestore } from '../../helpers/firestore.ts';
import { createStoreRules, RULE_VERSIONS_SUBCOLLECTION } from '../../../src/stores/store-rules.ts';
import { createStoreDirectory } from '../../../src/stores/store-directory.ts';
import { createRulesService } from '../../../src/app-api/rules-service.ts';
import { COLLECTIONS } from '../../../src/firestore/collections.ts';
import { isAppError } from '../../../src/errors.ts';
import type { Clock } from '../../../src/clock.ts';

const { db, reset } = testFirestore('demo-app-store-rules');
let nowMs = Date.UTC(2025, 0, 1);
const clock: Clock = { now: () => nowMs, sleep: () => Promise.resolve() };
const storeRules = createStoreRules({ db, clock });
const logger = pino({ level: 'silent' });
const H = 'rulesstore';
const SALE = { rules: [{ name: 'sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } }] };
const FEATURED = { rules: [{ name: 'featured', categoryId: 52, when: { field: 'is_featured', op: 'eq', value: true } }] };
const DEFAULT = { rules: [{ name: 'default', categoryId: 70, when: { field: 'price', op: 'gt' as const, value: 100 } }] };
const app = (userId: number) => ({ via: 'app' as const, userId, email: `u${userId}@example.com` });

const versionDocs = async (h: string) => (await db.collection(COLLECTIONS.stores).doc(h).collection(RULE_VERSIONS_SUBCOLLECTION).get()).size;

beforeEach(async () => {
  await reset();
  nowMs = Date.UTC(2025, 0, 1);
});
afterAll(() => db.terminate());

describe('store rules', () => {
  it('saves versions with who and when, lists them newest first, and the directory reads the current one', async () => {
    const directory = createStoreDirectory({ db, singleStore: { storeHash: H, accessToken: 't' }, defaultRuleSet: DEFAULT, logger });
    expect((await directory.get(H))?.ruleSet).toEqual(DEFAULT);
    const v1 = await storeRules.save(H, SALE, { author: app(7), expectedVersion: 0 });
    nowMs += 60_000;
    const v2 = await storeRules.save(H, FEATURED, { author: app(8), expectedVersion: 1 });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v2.changes).toEqual({ added: ['featured'], removed: ['sale'], changed: [], unmanagedCategoryIds: [50], newlyManagedCategoryIds: [52] });
    const list = await storeRules.versions(H);
    expect(list.map((v) => [v.version, v.author.userId, v.author.email, v.savedAtMs])).toEqual([
      [2, 8, 'u8@example.com', Date.UTC(2025, 0, 1) + 60_000],
      [1, 7, 'u7@example.com', Date.UTC(2025, 0, 1)],
    ]);
    expect((await directory.get(H))?.ruleSet).toEqual(FEATURED);
  });

  it('rejects invalid rules with the schema messages and writes nothing', async () => {
    await storeRules.save(H, SALE, { author: app(1) });
    const bad = { rules: [{ name: 'x', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 'soon' } }] };
    const err = await storeRules.save(H, bad, { author: app(1) }).catch((e: unknown) => e);
    expect(isAppError(err, 'RULES_INVALID')).toBe(true);
    expect((err as { details: { problems: string[] } }).details.problems[0]).toMatch(/^rules\[0\]\.when\.value: must be a number or an ISO-8601 date/);
    expect(await versionDocs(H)).toBe(1);
    expect((await storeRules.current(H))?.ruleSet).toEqual(SALE);
  });

  it('refuses a save made from a stale version (two editors) and keeps the first', async () => {
    await storeRules.save(H, SALE, { author: app(1), expectedVersion: 0 });
    const results = await Promise.allSettled([
      storeRules.save(H, FEATURED, { author: app(2), expectedVersion: 1 }),
      storeRules.save(H, DEFAULT, { author: app(3), expectedVersion: 1 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(isAppError(rejected?.reason, 'RULES_VERSION_CONFLICT')).toBe(true);
    expect(await versionDocs(H)).toBe(2);
  });

  it('rolls back by appending a version with the old rules, and the service starts a full sync for it', async () => {
    const synced: string[] = [];
    const service = createRulesService({ storeRules, startFullSync: (h) => Promise.resolve(synced.push(h)), logger });
    await service.replace(H, SALE, { author: app(1) });
    await service.replace(H, FEATURED, { author: app(1) });
    const v3 = await service.rollback(H, 1, { author: app(9), expectedVersion: 2 });
    expect(v3).toMatchObject({ version: 3, action: 'rollback', restoredVersion: 1, ruleSet: SALE });
    expect((await storeRules.current(H))?.ruleSet).toEqual(SALE);
    expect((await storeRules.versions(H)).map((v) => v.version)).toEqual([3, 2, 1]);
    expect(synced).toEqual([H, H, H]);
  });

  it('a rollback to a version that does not exist fails, writes nothing and starts no sync', async () => {
    const synced: string[] = [];
    const service = createRulesService({ storeRules, startFullSync: (h) => Promise.resolve(synced.push(h)), logger });
    await service.replace(H, SALE, { author: app(1) });
    for (const v of [0, 5, -1, 1.5]) {
      const err = await service.rollback(H, v, { author: app(1) }).catch((e: unknown) => e);
      expect(isAppError(err, 'RULES_VERSION_NOT_FOUND')).toBe(true);
    }
    expect(synced).toEqual([H]);
    expect(await versionDocs(H)).toBe(1);
  });

  it('a failing sync start does not fail the save (the version is stored)', async () => {
    const service = createRulesService({ storeRules, startFullSync: () => Promise.reject(new Error('scheduler stopped')), logger });
    const v = await service.replace(H, SALE, { author: app(1) });
    expect(v.version).toBe(1);
    expect((await storeRules.current(H))?.version).toBe(1);
  });

  it('stores are isolated: one store’s versions never show in another’s', async () => {
    await storeRules.save(H, SALE, { author: app(1) });
    await storeRules.save('otherstore', FEATURED, { author: app(1) });
    expect((await storeRules.versions(H)).map((v) => v.ruleSet)).toEqual([SALE]);
    expect(await storeRules.version('otherstore', 1)).toMatchObject({ ruleSet: FEATURED });
  });

  it('keeps deep rules (beyond Firestore’s 20-level map nesting) intact', async () => {
    let when: unknown = { field: 'price', op: 'gt', value: 1 };
    for (let i = 0; i < 30; i++) when = { not: when };
    const deep = { rules: [{ name: 'deep', categoryId: 1, when }] };
    await storeRules.save(H, deep, { author: app(1) });
    expect((await storeRules.current(H))?.ruleSet).toEqual(deep);
  });

  it('an invalid stored version makes the directory report no rules (never the default)', async () => {
    await db.collection(COLLECTIONS.stores).doc(H).set({ currentRules: { version: 1, ruleSetJson: JSON.stringify({ rules: [{ name: 1 }] }) } });
    const directory = createStoreDirectory({ db, singleStore: { storeHash: H, accessToken: 't' }, defaultRuleSet: DEFAULT, logger });
    expect((await directory.get(H))?.ruleSet).toBeUndefined();
  });
});
