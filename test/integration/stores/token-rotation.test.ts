// Key rotation end to end on the Firestore emulator and the sandbox: tokens sealed with the old key
// (v2 and the legacy v1 form) are re-sealed while a store's category sync is running, the sync keeps
// working (it reads the token through the store directory), and afterwards the old key can go.
import { createCipheriv, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBigCommerceClient } from '../../../src/bigcommerce/client.ts';
import { createRateLimiterRegistry } from '../../../src/bigcommerce/rate-limiter.ts';
import { createFirestoreLeases } from '../../../src/category-sync/sync-lease.ts';
import { createCategorySync } from '../../../src/category-sync/sync-store.ts';
import { runCli } from '../../../src/cli/cli.ts';
import { tokensGroup } from '../../../src/cli/tokens.ts';
import { systemClock } from '../../../src/clock.ts';
import { createFirestorePendingStore } from '../../../src/events/firestore-pending-store.ts';
import { COLLECTIONS } from '../../../src/firestore/collections.ts';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.ts';
import { rotateTokens } from '../../../src/stores/rotate-tokens.ts';
import { createStoreDirectory } from '../../../src/stores/store-directory.ts';
import { createTokenCipher } from '../../../src/stores/token-cipher.ts';
import { RULES, expectedManaged, managedOf } from '../../helpers/category-sync.ts';
import { testFirestore } from '../../helpers/firestore.ts';
import { inject } from 'vitest';

const PROJECT = 'demo-token-rotation';
const { db, reset } = testFirestore(PROJECT);
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const K0 = randomBytes(32);
const K1 = randomBytes(32);
const OLD = createTokenCipher([{ id: 'k0', key: K0 }]);
const RING = createTokenCipher([
  { id: 'k1', key: K1 },
  { id: 'k0', key: K0 },
]);

let sandbox: Sandbox;
beforeAll(async () => {
  await reset();
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT } });
});
afterAll(async () => {
  await sandbox.close();
  await db.terminate();
});

function sealV1(key: Buffer, plain: string, storeHash: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(storeHash));
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
}

/** The category sync as main.ts wires it, reading tokens through a directory with `cipher`. */
function syncWith(cipher: ReturnType<typeof createTokenCipher>) {
  const pending = createFirestorePendingStore(db, systemClock);
  const directory = createStoreDirectory({ db, defaultRuleSet: RULES, cipher, logger });
  const limiters = createRateLimiterRegistry({ clock: systemClock, logger });
  const flusher = createCategorySync({
    pending,
    leases: createFirestoreLeases(db, { owner: `rotation-${randomBytes(4).toString('hex')}`, leaseMs: 30_000, clock: systemClock }),
    directory,
    clientFor: (s) => createBigCommerceClient({ apiUrl: sandbox.url, storeHash: s.storeHash, accessToken: s.accessToken, clock: systemClock, logger, rateLimiter: limiters.forStore(s.storeHash), requestBudgetMs: 20_000 }),
    clock: systemClock,
    logger,
    settings: { windowMs: 0, maxWaitMs: 0, missingMaxAttempts: 3, missingRetryMs: 200, staleToleranceMs: 10_000, staleRetryMs: 20_000, fetchConcurrency: 2, maxUrlLength: 2047 },
  });
  return { flusher, pending, directory };
}

describe('tokens rotate', () => {
  it('re-seals every token with the current key while a sync runs; the sync keeps working; the old key can then go', async () => {
    const hash = 'rotstore';
    const token = 'tok-rotstore';
    const store = sandbox.createStore({ hash, accessToken: token, seed: 3 });
    store.seedProducts(300, { seed: 3 });
    const stores = db.collection(COLLECTIONS.stores);
    await stores.doc(hash).set({ storeHash: hash, status: 'active', accessTokenEnc: OLD.encrypt(token, hash) });
    await stores.doc('legacy1').set({ storeHash: 'legacy1', status: 'active', accessTokenEnc: sealV1(K0, 'tok-legacy', 'legacy1') });
    await stores.doc('lostkey').set({ storeHash: 'lostkey', status: 'active', accessTokenEnc: createTokenCipher([{ id: 'k0', key: randomBytes(32) }]).encrypt('x', 'lostkey').replace('v2:k0:', 'v2:gone:') });
    await stores.doc('nokey').set({ storeHash: 'nokey', status: 'uninstalled' });

    // The service now runs with the ring [k1, k0]; a sync of the store is under way (slow API) ...
    const { flusher, pending, directory } = syncWith(RING);
    store.setFaults({ latencyMs: 150 });
    await pending.enqueue(hash, store.products().map((p) => p.id), 'test', Date.now() - 1_000);
    let syncDoneAt = 0;
    const sync = flusher.syncStore(hash).then((r) => ((syncDoneAt = Date.now()), r));
    const deadline = Date.now() + 10_000;
    while (sandbox.stats(hash).requests < 1 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(sandbox.stats(hash).requests).toBeGreaterThanOrEqual(1);

    // ... when the operator rotates.
    const report = await rotateTokens({ db, cipher: RING, logger });
    const rotatedAt = Date.now();
    expect(report).toEqual({ stores: 3, rotated: 2, current: 0, changed: 0, unreadable: [{ storeHash: 'lostkey', code: 'STORE_TOKEN_KEY_UNKNOWN' }] });
    const first = await sync;
    expect(first.outcome).toBe('flushed');
    expect(rotatedAt).toBeLessThan(syncDoneAt);

    // Every readable token is now under k1, still the same token, and readable without k0.
    const onlyNew = createTokenCipher([{ id: 'k1', key: K1 }]);
    const sealed = (await stores.doc(hash).get()).get('accessTokenEnc') as string;
    expect(sealed).toMatch(/^v2:k1:/);
    expect(onlyNew.decrypt(sealed, hash)).toBe(token);
    expect(onlyNew.decrypt((await stores.doc('legacy1').get()).get('accessTokenEnc') as string, 'legacy1')).toBe('tok-legacy');
    expect((await directory.get(hash))?.accessToken).toBe(token);

    // A sync after rotation, by a service that no longer holds k0, still reads the store's token.
    store.setFaults({});
    for (const p of store.products().slice(0, 20)) store.updateProduct(p.id, { sale_price: 0 });
    const later = syncWith(onlyNew);
    await later.pending.enqueue(hash, store.products().map((p) => p.id), 'test', Date.now() - 1_000);
    expect((await later.flusher.syncStore(hash)).outcome).toBe('flushed');
    for (const p of store.products()) expect(managedOf(p.categories), `product ${p.id}`).toEqual(expectedManaged(p));

    // Running it again changes nothing.
    expect(await rotateTokens({ db, cipher: RING, logger })).toMatchObject({ stores: 3, rotated: 0, current: 2, changed: 0 });
  });

  it('npm run cli -- tokens rotate reports the counts, and --dry-run writes nothing', async () => {
    const stores = db.collection(COLLECTIONS.stores);
    await stores.doc('cli1').set({ storeHash: 'cli1', status: 'active', accessTokenEnc: OLD.encrypt('tok-cli1', 'cli1') });
    const env = {
      GOOGLE_CLOUD_PROJECT: PROJECT,
      FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
      TOKEN_ENCRYPTION_KEYS: `k1:${K1.toString('base64')},k0:${K0.toString('base64')}`,
    };
    const run = async (args: string[]) => {
      const out: string[] = [];
      const code = await runCli(['tokens', 'rotate', ...args], [tokensGroup], { out: (t) => out.push(t), err: (t) => out.push(t), env });
      return { code, text: out.join('\n') };
    };
    const dry = await run(['--dry-run']);
    expect(dry.text).toMatch(/would rotate\s+1\b/);
    expect((await stores.doc('cli1').get()).get('accessTokenEnc')).toMatch(/^v2:k0:/);

    const real = await run([]);
    expect(real.code).toBe(1); // the store sealed with a key that is gone is still unreadable
    expect(real.text).toMatch(/rotated\s+1\b/);
    expect(real.text).toMatch(/already current\s+2\b/);
    expect(real.text).toContain('lostkey: STORE_TOKEN_KEY_UNKNOWN');
    expect(real.text).not.toContain('tok-cli1');
    expect((await stores.doc('cli1').get()).get('accessTokenEnc')).toMatch(/^v2:k1:/);

    const noKeys = await runCli(['tokens', 'rotate'], [tokensGroup], { out: () => undefined, err: () => undefined, env: { GOOGLE_CLOUD_PROJECT: PROJECT } });
    expect(noKeys).toBe(2);
  });
});
