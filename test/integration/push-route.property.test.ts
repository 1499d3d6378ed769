// Property-based test of POST /pubsub/push (10,000 cases in the suite). Random envelopes, bodies and
// headers through buildApp().inject():
//  - never a crash, never a 5xx except when the event store is unavailable (then always 503);
//  - invalid input is never written, except as exactly one rejection record (nothing dropped silently);
//  - valid input is stored exactly once, whatever the redeliveries (sequential or concurrent).
// The bulk runs on an in-memory EventStore with the Firestore adapter's semantics (thousands of cases
// in seconds); a smaller run goes through the real adapter on the Firestore emulator.
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { parseBigCommerceEvent } from '../../src/bigcommerce/webhook-event.ts';
import { productIdsOf } from '../../src/bigcommerce/scopes.ts';
import { isStoreHash } from '../../src/bigcommerce/store-hash.ts';
import { systemClock } from '../../src/clock.ts';
import type { EventStore } from '../../src/events/event-store.ts';
import { markerId } from '../../src/events/plan-event-writes.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { createIngest } from '../../src/ingest/ingest-message.ts';
import { createPushAuthenticator } from '../../src/ingest/push-auth.ts';
import { createFirestoreEventStore } from '../../src/events/firestore-event-store.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { createMemoryEventStore, type MemoryEventStore } from '../helpers/memory-event-store.ts';

const MAX_BODY = 4096;
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);

async function appOn(store: EventStore, storeBudgetMs = 50): Promise<App> {
  return buildApp({
    logger: pino({ level: 'silent' }),
    projectId: 'demo',
    ingest: createIngest({ store, clock: systemClock, dedupeTtlMs: 3_600_000, storeBudgetMs }),
    eventStore: store,
    authenticator: createPushAuthenticator({ mode: 'none', audience: undefined }),
    pushServiceAccounts: [],
    operatorServiceAccounts: [],
    maxBodyBytes: MAX_BODY,
  });
}

// ------------------------------------------------------------------ generators

let messageSeq = 0;
const nextMessageId = () => `prop-${SEED}-${++messageSeq}`;

// A valid store hash: the schema's pattern, minus the ids Firestore reserves (`__...__`, refused like any invalid hash).
const storeHashArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/).filter(isStoreHash);
const hashArb = fc.stringMatching(/^[0-9a-f]{40}$/);
const productIdArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const idLike = (id: number) => fc.constantFrom<unknown>(id, String(id));

/** A documented BigCommerce webhook body (reference §2.1/2.2), any scope the app subscribes to or not. */
const webhookArb = fc
  .record({
    storeHash: storeHashArb,
    hash: hashArb,
    createdAt: fc.option(fc.integer({ min: 1_500_000_000, max: 2_000_000_000 }), { nil: undefined }),
    storeId: fc.oneof(fc.stringMatching(/^\d{1,10}$/), fc.integer({ min: 1, max: 1e9 })),
    id: productIdArb,
  })
  .chain((b) =>
    fc
      .oneof(
        fc.constantFrom('store/product/created', 'store/product/updated', 'store/product/deleted').chain((scope) => idLike(b.id).map((id) => ({ scope, data: { type: 'product', id } }))),
        idLike(b.id).map((pid) => ({ scope: 'store/product/inventory/updated', data: { type: 'product', id: b.id, inventory: { product_id: pid, method: 'absolute', value: 3 } } })),
        idLike(b.id).map((pid) => ({ scope: 'store/sku/updated', data: { type: 'sku', id: 77, sku: { product_id: pid, variant_id: 5 } } })),
        fc.constant({ scope: 'store/category/updated', data: { type: 'category', id: b.id } }),
        fc.constant({ scope: 'store/information/updated', data: { type: 'store' } }),
        fc.constant({ scope: 'store/customer/created', data: { type: 'customer', id: b.id } }),
      )
      .map(({ scope, data }) => ({
        storeHash: b.storeHash,
        scope,
        hash: b.hash,
        body: { scope, store_id: b.storeId, data, hash: b.hash, producer: `stores/${b.storeHash}`, ...(b.createdAt === undefined ? {} : { created_at: b.createdAt }) },
      })),
  );

const extraHeadersArb = fc.dictionary(fc.constantFrom('accept', 'user-agent', 'x-cloud-trace-context', 'x-forwarded-for', 'x-anything', 'from'), fc.stringMatching(/^[\x20-\x7e]{0,40}$/), { maxKeys: 3 });
const contentTypeArb = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'garbage/type');

interface PushRequest {
  payload: string | Buffer;
  headers: Record<string, string>;
}

/** The request Pub/Sub sends for one message: the wrapped JSON envelope or the no_wrapper form. */
function deliver(data: string | Buffer, form: 'wrapped' | 'unwrapped', messageId: string, headers: Record<string, string>, contentType: string): PushRequest {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (form === 'unwrapped') {
    return { payload: bytes, headers: { ...headers, 'content-type': contentType, 'x-goog-pubsub-message-id': messageId, 'x-goog-pubsub-publish-time': new Date().toISOString() } };
  }
  const publishTime = new Date().toISOString();
  const envelope = { message: { data: bytes.toString('base64'), attributes: {}, messageId, message_id: messageId, publishTime, publish_time: publishTime }, subscription: 'projects/demo/subscriptions/push' };
  return { payload: JSON.stringify(envelope), headers: { ...headers, 'content-type': 'application/json' } };
}

const formArb = fc.constantFrom<'wrapped' | 'unwrapped'>('wrapped', 'unwrapped');

/** A valid event broken in one way the schema must refuse (each one a separate, named way). */
const MUTATIONS: readonly [string, (b: Record<string, unknown>) => unknown][] = [
  ['no producer', ({ producer: _p, ...rest }) => rest],
  ['producer not stores/{hash}', (b) => ({ ...b, producer: `store/${String(b.producer).slice(7)}` })],
  ['producer with a path', (b) => ({ ...b, producer: `${String(b.producer)}/x` })],
  ['no scope', ({ scope: _s, ...rest }) => rest],
  ['scope outside store/', (b) => ({ ...b, scope: 'product/updated' })],
  ['scope not a string', (b) => ({ ...b, scope: 42 })],
  ['empty hash', (b) => ({ ...b, hash: '' })],
  ['hash too long', (b) => ({ ...b, hash: 'a'.repeat(201) })],
  ['data an array', (b) => ({ ...b, data: [1, 2] })],
  ['data a string', (b) => ({ ...b, data: 'x' })],
  ['created_at not a number', (b) => ({ ...b, created_at: 'yesterday' })],
  ['body an array', (b) => [b]],
  ['body null', () => null],
];

type Webhook = typeof webhookArb extends fc.Arbitrary<infer T> ? T : never;
interface InvalidCase {
  event: Webhook;
  mutation: number;
  form: 'wrapped' | 'unwrapped';
  headers: Record<string, string>;
  contentType: string;
}

const invalidArb: fc.Arbitrary<InvalidCase> = fc.record({
  event: webhookArb,
  mutation: fc.integer({ min: 0, max: MUTATIONS.length + 3 }),
  form: formArb,
  headers: extraHeadersArb,
  contentType: contentTypeArb,
});

function invalidRequest(c: InvalidCase, messageId: string): PushRequest {
  const m = MUTATIONS[c.mutation];
  if (m) return deliver(JSON.stringify(m[1](c.event.body)), c.form, messageId, c.headers, c.contentType);
  const json = JSON.stringify(c.event.body);
  switch (c.mutation - MUTATIONS.length) {
    case 0: // truncated JSON
      return deliver(json.slice(0, -1), c.form, messageId, c.headers, c.contentType);
    case 1: // empty message
      return deliver('', c.form, messageId, c.headers, c.contentType);
    case 2: // wrapped envelope whose data is not base64
      return { payload: JSON.stringify({ message: { data: '!!not base64!!', messageId }, subscription: 's' }), headers: { ...c.headers, 'content-type': 'application/json' } };
    default: // wrapped envelope with wrongly typed fields
      return { payload: JSON.stringify({ message: { data: Buffer.from(json).toString('base64'), messageId, attributes: { a: 1 } }, deliveryAttempt: -1 }), headers: { ...c.headers, 'content-type': 'application/json' } };
  }
}

/** Anything at all: bytes, JSON values, strings, envelopes around them; any content type and headers. */
const garbageArb = fc.record({
  body: fc.oneof(
    fc.uint8Array({ maxLength: 6000 }).map((a) => Buffer.from(a)),
    fc.json({ maxDepth: 4 }),
    fc.string({ maxLength: 300 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ message: v })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ message: { data: Buffer.from(JSON.stringify(v)).toString('base64'), messageId: 'g' } })),
  ),
  contentType: fc.option(contentTypeArb, { nil: undefined }),
  headers: extraHeadersArb,
  pubsubHeader: fc.option(fc.stringMatching(/^[\x21-\x7e]{1,30}$/), { nil: undefined }),
});

// ------------------------------------------------------------------ memory store: 10,000 cases

describe('POST /pubsub/push, property-based (in-memory event store)', () => {
  const mem: MemoryEventStore = createMemoryEventStore();
  let app: App;
  beforeAll(async () => {
    app = await appOn(mem);
  });
  afterAll(() => app.server.close());
  const push = (r: PushRequest) => app.server.inject({ method: 'POST', url: '/pubsub/push', payload: r.payload, headers: r.headers });
  const params = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });

  it('valid events are stored exactly once, whatever the redeliveries (2,500 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(webhookArb, formArb, extraHeadersArb, fc.constantFrom('sequential', 'concurrent'), async (ev, form, headers, redelivery) => {
        mem.clear();
        const data = JSON.stringify(ev.body);
        const first = deliver(data, form, nextMessageId(), headers, 'application/json');
        const again = deliver(data, form, nextMessageId(), headers, 'application/json'); // BigCommerce retry: new message id
        const responses = redelivery === 'sequential' ? [await push(first), await push(first), await push(again)] : await Promise.all([push(first), push(first), push(again)]);
        for (const r of responses) expect(r.statusCode).toBe(204);
        const id = markerId(ev.storeHash, ev.scope, ev.hash);
        expect([...mem.markers.keys()]).toEqual([id]);
        expect(mem.storedCount.get(id)).toBe(1);
        const parsed = parseBigCommerceEvent(Buffer.from(data));
        const found = parsed.ok ? productIdsOf(parsed.event) : undefined;
        const ids = found?.ok ? found.ids : [];
        expect([...mem.pending.keys()].sort()).toEqual(ids.map((p) => `${ev.storeHash}/${p}`).sort());
        expect(mem.rejections.size).toBe(0);
      }),
      params(2_500),
    );
  });

  it('invalid events are never written, only recorded once as a rejection (2,500 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(invalidArb, async (c) => {
        mem.clear();
        const res = await push(invalidRequest(c, nextMessageId()));
        expect(res.statusCode).toBe(204);
        expect(mem.markers.size).toBe(0);
        expect(mem.pending.size).toBe(0);
        expect(mem.rejections.size).toBe(1);
      }),
      params(2_500),
    );
  });

  it('garbage never crashes the route, never gets a 5xx, and never passes silently (4,000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(garbageArb, async (g) => {
        mem.clear();
        const headers: Record<string, string> = { ...g.headers, ...(g.contentType ? { 'content-type': g.contentType } : {}), ...(g.pubsubHeader ? { 'x-goog-pubsub-message-id': g.pubsubHeader } : {}) };
        const res = await push({ payload: g.body, headers });
        expect(res.statusCode).toBeLessThan(500);
        expect(mem.markers.size).toBe(0);
        expect(mem.pending.size).toBe(0);
        if (res.statusCode === 204) expect(mem.rejections.size).toBe(1);
        else expect([400, 413, 415]).toContain(res.statusCode);
        if (res.statusCode === 413) expect(Buffer.byteLength(g.body)).toBeGreaterThan(MAX_BODY);
      }),
      params(4_000),
    );
  });

  it('a store that fails or hangs always gets 503 (redelivery), for valid and invalid input alike (1,000 cases)', async () => {
    // Its own app with a 5 ms store budget, so a hanging store costs 5 ms a case.
    const failing = createMemoryEventStore();
    const fapp = await appOn(failing, 5);
    const push = (r: PushRequest) => fapp.server.inject({ method: 'POST', url: '/pubsub/push', payload: r.payload, headers: r.headers });
    const mem = failing;
    await fc.assert(
      fc.asyncProperty(fc.oneof(webhookArb.map((e) => ({ valid: true as const, e })), invalidArb.map((c) => ({ valid: false as const, c }))), fc.constantFrom('throws', 'hangs'), formArb, async (input, fault, form) => {
        mem.clear();
        mem.fault = fault;
        const req = input.valid ? deliver(JSON.stringify(input.e.body), form, nextMessageId(), {}, 'application/json') : invalidRequest(input.c, nextMessageId());
        const res = await push(req);
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({ error: 'unavailable', retry: true });
        mem.fault = 'none';
      }),
      params(1_000),
    );
    await fapp.server.close();
  });
});

// ------------------------------------------------------------------ the real adapter on the emulator

describe('POST /pubsub/push, property-based (Firestore emulator)', () => {
  const { db, reset } = testFirestore('demo-push-property');
  let app: App;
  beforeAll(async () => {
    await reset();
    app = await appOn(createFirestoreEventStore(db), 5_000);
  });
  afterAll(async () => {
    await app.server.close();
    await db.terminate();
  });
  const push = (r: PushRequest) => app.server.inject({ method: 'POST', url: '/pubsub/push', payload: r.payload, headers: r.headers });

  it('valid events: exactly one marker per event under concurrent redelivery; invalid ones: one rejection each (100 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(webhookArb.map((e) => ({ valid: true as const, e })), invalidArb.map((c) => ({ valid: false as const, c }))), formArb, async (input, form) => {
        const markersBefore = (await db.collection(COLLECTIONS.markers).count().get()).data().count;
        const rejectionsBefore = (await db.collection(COLLECTIONS.rejections).count().get()).data().count;
        if (input.valid) {
          const data = JSON.stringify(input.e.body);
          const id = markerId(input.e.storeHash, input.e.scope, input.e.hash);
          const exists = (await db.collection(COLLECTIONS.markers).doc(id).get()).exists;
          const responses = await Promise.all([push(deliver(data, form, nextMessageId(), {}, 'application/json')), push(deliver(data, form, nextMessageId(), {}, 'application/json'))]);
          for (const r of responses) expect(r.statusCode).toBe(204);
          expect((await db.collection(COLLECTIONS.markers).doc(id).get()).exists).toBe(true);
          expect((await db.collection(COLLECTIONS.markers).count().get()).data().count).toBe(markersBefore + (exists ? 0 : 1));
          expect((await db.collection(COLLECTIONS.rejections).count().get()).data().count).toBe(rejectionsBefore);
        } else {
          const res = await push(invalidRequest(input.c, nextMessageId()));
          expect(res.statusCode).toBe(204);
          expect((await db.collection(COLLECTIONS.markers).count().get()).data().count).toBe(markersBefore);
          expect((await db.collection(COLLECTIONS.rejections).count().get()).data().count).toBe(rejectionsBefore + 1);
        }
      }),
      { numRuns: 100, seed: SEED, endOnFailure: true },
    );
  }, 120_000);
});
