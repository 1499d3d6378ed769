// Acceptance (ingest): 1,000 product events for 3 stores, 300 re-published duplicates (same body, new
// message id) and 20 malformed messages, delivered by the Pub/Sub emulator's push subscription to the
// real service, which is SIGKILLed and restarted once mid-stream. Every unique event must end with
// exactly one marker, its product pending; duplicates counted; malformed acked and recorded.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { PubSub, type Topic } from '@google-cloud/pubsub';
import { markerId } from '../../src/events/plan-event-writes.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { startService, type ServiceProcess } from '../helpers/service.ts';
import { productEvent, webhook, type WebhookBody } from '../helpers/push.ts';

const PROJECT = 'demo-e2e-ingest';
const { db, reset } = testFirestore(PROJECT);
const pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: inject('pubsubHost') });
let topic: Topic;
let service: ServiceProcess;

// Deterministic pseudo-random choices, so a failure can be replayed.
let seed = 42;
const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

beforeAll(async () => {
  await reset();
  service = await startService({ GOOGLE_CLOUD_PROJECT: PROJECT, FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), PUSH_AUTH: 'none', LOG_LEVEL: 'debug', FLUSH_TIMERS: 'false' });
  [topic] = await pubsub.createTopic(`ingest-${Date.now()}`);
  // No retry policy: the emulator loses deliveries after an endpoint outage when one is set (emulators.md addendum).
  await topic.createSubscription(`ingest-push-${Date.now()}`, { pushConfig: { pushEndpoint: `${service.url}/pubsub/push` }, ackDeadlineSeconds: 10 });
});
afterAll(async () => {
  await service?.stop('SIGKILL');
  await pubsub.close();
  await db.terminate();
});

describe('ingest end to end through the Pub/Sub emulator', () => {
  it('loses nothing and double-counts nothing across a SIGKILL restart', async () => {
    const stores = ['alpha1', 'bravo2', 'charlie3'];
    const unique: WebhookBody[] = [];
    for (let i = 0; i < 1000; i++) {
      const store = stores[i % 3]!;
      const productId = 1 + Math.floor(rand() * 400);
      const kind = rand() < 0.1 ? 'created' : rand() < 0.05 ? 'deleted' : 'updated';
      unique.push(rand() < 0.1 ? webhook(store, 'store/sku/updated', { type: 'sku', id: 9000 + i, sku: { product_id: productId, variant_id: i } }) : productEvent(store, productId, kind));
    }
    const duplicates = Array.from({ length: 300 }, () => unique[Math.floor(rand() * unique.length)]!);
    const malformed: string[] = [
      ...Array.from({ length: 5 }, (_, i) => `not json ${i}`),
      ...Array.from({ length: 5 }, (_, i) => JSON.stringify({ hello: i })),
      ...Array.from({ length: 5 }, (_, i) => JSON.stringify({ ...productEvent('x', i + 1), producer: 'nobody' })),
      ...Array.from({ length: 5 }, (_, i) => JSON.stringify({ scope: 'store/product/updated', producer: `stores/s${i}`, data: 'oops' })),
    ];
    const messages = [...unique.map((b) => JSON.stringify(b)), ...duplicates.map((b) => JSON.stringify(b)), ...malformed];
    for (let i = messages.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [messages[i], messages[j]] = [messages[j]!, messages[i]!];
    }

    const publisher = pubsub.topic(topic.name, { batching: { maxMessages: 100, maxMilliseconds: 5 } });
    const published = messages.map((m) => publisher.publishMessage({ data: Buffer.from(m) }));
    await Promise.all(published);

    // Kill the service mid-stream, without warning, then bring it back on the same port.
    const storedLogged = () => service.logs.filter((l) => l.message === 'event stored').length;
    await expect.poll(storedLogged, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(300);
    await service.stop('SIGKILL');
    const killedAt = storedLogged();
    await service.restart();

    const expectedMarkers = new Set(unique.map((b) => markerId(b.producer.slice(7), b.scope, b.hash)));
    await expect
      .poll(async () => (await db.collection(COLLECTIONS.markers).count().get()).data().count, { timeout: 120_000, interval: 500 })
      .toBe(expectedMarkers.size);
    await expect.poll(async () => (await db.collection(COLLECTIONS.rejections).count().get()).data().count, { timeout: 60_000, interval: 500 }).toBe(20);

    // Exactly the expected markers: one per unique event, none for duplicates or malformed data.
    const markerIds = new Set((await db.collection(COLLECTIONS.markers).select().get()).docs.map((d) => d.id));
    expect(markerIds).toEqual(expectedMarkers);

    // Every product of a unique event is pending for its store.
    const expectedPending = new Set(
      unique.map((b) => {
        const pid = (b.data.sku as { product_id?: number } | undefined)?.product_id ?? (b.data.id as number);
        return `${b.producer.slice(7)}_${pid}`;
      }),
    );
    const pendingIds = new Set((await db.collection(COLLECTIONS.pending).select().get()).docs.map((d) => d.id));
    expect(pendingIds).toEqual(expectedPending);

    // Every message is acked only after it was logged, so the logs of both incarnations account for all of them.
    await expect.poll(() => service.logs.filter((l) => l.message === 'event duplicate').length, { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(300);
    const count = (m: string) => service.logs.filter((l) => l.message === m).length;
    expect(count('event stored')).toBeLessThanOrEqual(1000);
    expect(count('event stored') + count('event duplicate')).toBeGreaterThanOrEqual(1300);
    expect(count('event rejected')).toBeGreaterThanOrEqual(20);
    expect(killedAt).toBeGreaterThanOrEqual(300);
    expect(killedAt).toBeLessThan(1000);

    // The second incarnation's /status shows its own counters and the pending totals: product events
    // not yet processed, from the store index (each unique event touches one product, counted once
    // across the SIGKILL; duplicates not at all).
    const status = (await (await fetch(`${service.url}/status`)).json()) as { events: { duplicate: number }; pending: Record<string, number> };
    expect(Object.values(status.pending).reduce((a, b) => a + b, 0)).toBe(unique.length);
    expect(status.events.duplicate).toBeGreaterThan(0);
  }, 240_000);
});
