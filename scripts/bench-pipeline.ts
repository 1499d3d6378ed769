// npm run bench:pipeline — API cost and settle time of the processing pipeline under the acceptance storm:
// a store of 5,000 products, 3 rules, ~20,000 webhooks over 2,000 products (25% duplicates, shuffled,
// 2% deleted mid-storm, 5% stale for 20 s, 1% 5xx, a 429 burst), one service instance, Pub/Sub and
// Firestore emulators, the BigCommerce sandbox. Then the same storm replayed twice: as Pub/Sub
// redeliveries (same hashes) and as fresh webhooks for the same, unchanged products. Prints figures.
//   BENCH_PRODUCTS (5000), BENCH_DISTINCT (2000), BENCH_EVENTS (20000), DEBOUNCE_MAX_WAIT_SECONDS (600)
import { PubSub } from '@google-cloud/pubsub';
import { startEmulator, stopEmulatorAndWait } from './lib/emulators.ts';
import { startPipeline, type Pipeline } from './lib/pipeline-harness.ts';
import { emitStaleTail, emitStorm, managedOf } from './lib/storm.ts';
import { chunkIds } from '../src/bigcommerce/chunk-ids.ts';
import { PRODUCTS_BY_IDS_PREFIX, productsByIdsSuffix } from '../src/bigcommerce/catalog-paths.ts';
import { productFetchOptions } from '../src/rules/required-fields.ts';
import { parseRuleSet } from '../src/rules/rule-set-schema.ts';
import { RULES_JSON } from './lib/storm.ts';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 5_000);
const DISTINCT = Number(process.env.BENCH_DISTINCT ?? 2_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const MAX_WAIT = process.env.DEBOUNCE_MAX_WAIT_SECONDS ?? '600';
const STORE = 'benchstore';
const PROJECT = 'demo-bench-pipeline';

const [ps, fs] = await Promise.all([startEmulator('pubsub'), startEmulator('firestore')]);
process.env.PUBSUB_EMULATOR_HOST = ps.host;
process.env.FIRESTORE_EMULATOR_HOST = fs.host;
process.env.METADATA_SERVER_DETECTION = 'none';
let pipeline: Pipeline | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return Date.now();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

try {
  pipeline = await startPipeline({
    pubsubHost: ps.host,
    firestoreHost: fs.host,
    projectId: PROJECT,
    storeHash: STORE,
    products: PRODUCTS,
    instances: 1,
    env: { DEBOUNCE_WINDOW_SECONDS: '3', DEBOUNCE_MAX_WAIT_SECONDS: MAX_WAIT, MISSING_PRODUCT_RETRY_SECONDS: '4', LOG_LEVEL: 'info' },
  });
  const p = pipeline;
  const { store, sandbox } = p;
  const status = async () => (await p.statuses())[0]!;
  const received = async () => {
    const s = await status();
    return s.events.accepted + s.events.duplicate;
  };
  const settled = async () => Object.keys((await status()).pending).length === 0 && p.wrongProducts().length === 0;
  const membership = () => new Map(store.products().map((x) => [x.id, managedOf(x.categories).join()]));

  // --- the storm ---
  const before = membership();
  store.setFaults({ errorRate: 0.01 });
  const t0 = Date.now();
  const firstEvent = store.publishedEvents().length;
  const storm = await emitStorm({ store, distinctProducts: DISTINCT, targetEvents: EVENTS, duplicateShare: 0.25, deleteFraction: 0.02, staleFraction: 0.05, seed: 21 });
  const deliveredAt = await until('the storm to be received', async () => (await received()) >= storm.published, 600_000);
  const tail = await emitStaleTail(store, storm.stale, 20_000, 22);
  store.setFaults({ errorRate: 0.01, burst429: 2 });
  const lastReceived = await until('the tail to be received', async () => (await received()) >= storm.published + tail, 120_000);
  const settledAt = await until('settled state', settled, 300_000);
  await sleep(8_000); // our own writes echo back as product/updated: let that round finish too
  await until('settled state after the echo', settled, 120_000);
  const after = membership();
  const stats = sandbox.stats(STORE);
  const s1 = await status();

  const changed = [...after.keys()].filter((id) => before.get(id) !== after.get(id)).length;
  const rules = parseRuleSet(RULES_JSON, 'bench');
  const fetchOpts = productFetchOptions(rules);
  const idsPerRequest = chunkIds(
    storm.productIds,
    { urlPrefix: `${sandbox.url}/stores/${STORE}${PRODUCTS_BY_IDS_PREFIX}`, urlSuffix: productsByIdsSuffix(250, { ...fetchOpts, includeFields: [...fetchOpts.includeFields, 'date_modified'] }), maxUrlLength: 2047 },
  )[0]!.length;
  const minimal = Math.ceil(DISTINCT / idsPerRequest);
  const gets = stats.byRoute['GET /v3/catalog/products'] ?? 0;
  const stormMessages = storm.published + tail;
  // Firestore writes from the service's own accounting: one batch per accepted event (marker + each
  // pending record), one guarded delete/update per product read, plus ~4 per flush (lease create,
  // renew/release, store record).
  const flushes = s1.flush.flushes;
  const eventWrites = s1.events.accepted * 2;
  const flushWrites = DISTINCT + storm.stale.length * 2 + flushes * 4;

  // --- replay 1: Pub/Sub redelivers the same messages (same hashes) ---
  sandbox.resetStats();
  const pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: ps.host });
  const bodies = store
    .publishedEvents()
    .slice(firstEvent)
    .filter((e) => !e.duplicate)
    .slice(0, stormMessages);
  const flushLog = p.services[0]!.logs.filter((l) => l.message === 'flush done');
  const topic = pubsub.topic(p.topicPath.split('/').pop()!, { batching: { maxMessages: 500, maxMilliseconds: 10 } });
  const before1 = await status();
  const r0 = await received();
  await Promise.all(bodies.map((e) => topic.publishMessage({ data: Buffer.from(JSON.stringify(e.body)) })));
  await until('replay 1', async () => (await received()) >= r0 + bodies.length, 600_000);
  await sleep(5_000);
  await until('settled after replay 1', settled, 120_000);
  const replay1 = sandbox.stats(STORE);
  const after1 = await status();

  // --- replay 2: the same webhooks as new events (new hashes) for products that did not change ---
  sandbox.resetStats();
  const r1 = await received();
  const fresh = bodies.slice(0, Math.min(bodies.length, 4 * DISTINCT)).map((e, i) => ({ ...e.body, hash: `${e.body.hash.slice(0, 30)}${String(i).padStart(10, '0')}` }));
  await Promise.all(fresh.map((b) => topic.publishMessage({ data: Buffer.from(JSON.stringify(b)) })));
  await until('replay 2', async () => (await received()) >= r1 + fresh.length, 600_000);
  await sleep(5_000);
  await until('settled after replay 2', settled, 180_000);
  const replay2 = sandbox.stats(STORE);
  const after2 = await status();
  await pubsub.close();

  const out = [
    `bench:pipeline — store ${PRODUCTS} products, 3 rules, 1 instance, DEBOUNCE_WINDOW_SECONDS=3, DEBOUNCE_MAX_WAIT_SECONDS=${MAX_WAIT} (Node ${process.version}, 2 cores shared by emulators, sandbox, service)`,
    `storm: ${storm.published} webhooks (${storm.duplicates} duplicates) over ${DISTINCT} products in ${storm.rounds} bulk edits, ${storm.deleted.length} deleted mid-storm, +${tail} webhooks for ${storm.stale.length} products stale for 20 s; the emulator delivered the storm in ${((deliveredAt - t0) / 1000).toFixed(0)} s`,
    `received by the service (storm + the echo of our own category writes): accepted ${s1.events.accepted}, duplicates dropped ${s1.events.duplicate}, rejected ${s1.events.rejected}; flushes ${flushes}`,
    ...flushLog.map(
      (l, i) =>
        `  flush ${i + 1}: ${String(l.mode)} read ${String(l.pendingRead)} pending with ${String(l.fetchRequests)} catalog GETs, ${String(l.missing)} not readable yet (deferred ${String(l.deferred)}), ${String(l.changedProducts)} products changed, writes ${JSON.stringify(l.writes)}`,
    ),
    `catalog GETs (id:in + list): ${gets} answered (${stats.productGets} with 200), ids per request ${idsPerRequest}, minimum ceil(${DISTINCT}/${idsPerRequest}) = ${minimal}, bound 1.1x = ${(1.1 * minimal).toFixed(1)} + retries for stale products`,
    `responses: ${JSON.stringify(stats.status)}   longest URL ${stats.maxUrlLength} chars, rejected long URLs ${stats.rejectedLongUrls}`,
    `category writes: ${stats.categoryWrites} requests, ${stats.categoryAssignmentsWritten} assignments added (${stats.categoryAssignmentsNoop} of them no-ops), ${stats.categoryAssignmentsDeleted} removed; products whose managed membership changed: ${changed}`,
    `wrong products at the end: ${p.wrongProducts().length}`,
    `time from the last webhook received to settled state: ${((settledAt - lastReceived) / 1000).toFixed(1)} s`,
    `Firestore writes per webhook (from the service's counters): ~${((eventWrites + flushWrites) / stormMessages).toFixed(2)} (${eventWrites} on ingest, ~${flushWrites} in flushes, duplicates write nothing)`,
    `replay as redeliveries (${bodies.length} same-hash messages): accepted ${after1.events.accepted - before1.events.accepted}, duplicates ${after1.events.duplicate - before1.events.duplicate}; catalog GETs ${replay1.byRoute['GET /v3/catalog/products'] ?? 0}, category writes ${replay1.categoryWrites}`,
    `replay as new webhooks (${fresh.length} messages with new hashes, products unchanged): accepted ${after2.events.accepted - after1.events.accepted}; catalog GETs ${replay2.byRoute['GET /v3/catalog/products'] ?? 0}, category writes ${replay2.categoryWrites}`,
  ];
  console.log(out.join('\n'));
  if (p.wrongProducts().length > 0) process.exitCode = 1;
} finally {
  await pipeline?.close();
  await Promise.all([stopEmulatorAndWait(ps), stopEmulatorAndWait(fs)]);
}
