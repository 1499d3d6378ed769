// GraphQL Admin responses report their own quota (millions) in the same X-Rate-Limit-* header names
// as REST (issue #9, finding 4). A reconcile of 10 stores' webhooks, which is GraphQL only, must
// leave every store's REST limiter exactly as it was, and pace itself on its own limiter.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { PubSub } from '@google-cloud/pubsub';
import { createCatalog } from '../../../src/bigcommerce/catalog.ts';
import { createBigCommerceClient } from '../../../src/bigcommerce/client.ts';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.ts';
import { testFirestore } from '../../helpers/firestore.ts';
import { lifecycle } from './lifecycle-harness.ts';

const PROJECT = 'demo-webhooks-graphql-pacing';
const { db } = testFirestore(PROJECT);
const pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: inject('pubsubHost') });
const TOPIC = `bc-pacing-${Date.now()}`;
let sandbox: Sandbox;

beforeAll(async () => {
  await pubsub.createTopic(TOPIC);
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT } });
});
afterAll(async () => {
  await sandbox.close();
  await pubsub.close();
  await db.terminate();
});

describe('GraphQL pacing is separate from REST pacing', () => {
  it("a reconcile of 10 stores' webhooks does not change any store's REST limiter", async () => {
    const lc = await lifecycle(db, { apiUrl: sandbox.url, projectId: PROJECT, topic: TOPIC, ownClientId: sandbox.clientId });
    const hashes = Array.from({ length: 10 }, (_, i) => `pace${i}${Date.now().toString(36)}`);
    for (const hash of hashes) {
      sandbox.createStore({ hash, accessToken: `tok-${hash}` }).seedProducts(3);
      await lc.registry.install(hash, { accessToken: `tok-${hash}`, scopes: ['store_v2_products'] }, Date.now());
      // One REST call per store through the shared REST limiter: the state a flush would leave.
      const rest = createBigCommerceClient({ apiUrl: sandbox.url, storeHash: hash, accessToken: `tok-${hash}`, rateLimiter: lc.rateLimiters.forStore(hash) });
      await createCatalog(rest).listProducts({ page: 1, limit: 1, includeFields: ['date_modified'] });
    }
    const before = hashes.map((h) => lc.rateLimiters.forStore(h).snapshot());
    expect(before.map((s) => [s.quota, s.left])).toEqual(hashes.map(() => [150, 149]));

    const results = await Promise.all(hashes.map((h) => lc.reconciler.reconcileStore(h)));
    expect(results.map((r) => r.created.length)).toEqual(hashes.map(() => 5));

    // REST pacing untouched, to the millisecond; GraphQL paced from its own (huge) quota.
    expect(hashes.map((h) => lc.rateLimiters.forStore(h).snapshot())).toEqual(before);
    for (const h of hashes) {
      const g = lc.rateLimiters.forStoreGraphql(h).snapshot();
      expect(g.quota).toBe(16_101_495);
      expect(g.left).toBeGreaterThan(16_000_000);
    }
  });
});
