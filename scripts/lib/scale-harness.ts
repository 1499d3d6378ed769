// The scale scenarios of issue #12 on this machine, shared by `npm run bench:scale` (full size) and
// the scale acceptance tests (reduced by SCALE_FACTOR): a BigCommerce sandbox store of N products in
// this process, the real service as a child process under a heap cap, the Firestore emulator. It
// measures what the issue asks for: wall time, the service's peak RSS (sampled from /proc), catalog
// GETs against the lower bound, and Firestore operations per product from the service's own counters.
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { startSandbox, type Sandbox, type SandboxStore } from '../../src/sandbox/index.ts';
import { startService, type ServiceProcess } from '../../test/helpers/service.ts';
import { createFirestorePendingStore } from '../../src/events/firestore-pending-store.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { chunkIds } from '../../src/bigcommerce/chunk-ids.ts';
import { PRODUCTS_BY_IDS_PREFIX, productsByIdsSuffix } from '../../src/bigcommerce/catalog-paths.ts';
import { productFetchOptions } from '../../src/rules/required-fields.ts';
import { parseRuleSet } from '../../src/rules/rule-set-schema.ts';
import { RULES_JSON, expectedManaged, managedOf } from './storm.ts';

/** The heap cap of the measurements (Cloud Run's smallest sensible instance). */
export const HEAP_CAP_MB = 256;
export const FULL_SYNC_PAGE = 250;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Peak resident set size of a process, sampled from /proc/<pid>/status (Linux). */
export function sampleRss(pid: () => number | undefined, everyMs = 100) {
  let peakKb = 0;
  const read = () => {
    const p = pid();
    if (p === undefined) return;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // the process is gone (SIGKILL in a test): keep the peak so far
    }
  };
  const timer = setInterval(read, everyMs);
  read();
  return {
    peakMb: () => Math.round(peakKb / 1024),
    reset: () => {
      peakKb = 0;
    },
    stop: () => clearInterval(timer),
  };
}

export interface ScaleStoreOptions {
  firestoreHost: string;
  /** A fresh Firestore project per scenario keeps scenarios apart on one emulator. */
  projectId: string;
  storeHash: string;
  products: number;
  /** Extra service environment (FLUSH_TIMERS, DEBOUNCE_*, ...). */
  env?: Record<string, string>;
  /** Reuse a sandbox across scenarios (a new store in it each time). */
  sandbox?: Sandbox;
}

export interface ScaleStore {
  sandbox: Sandbox;
  store: SandboxStore;
  service: ServiceProcess;
  db: Firestore;
  rss: ReturnType<typeof sampleRss>;
  /** Catalog GETs (id:in and listings) the sandbox answered for this store. */
  catalogGets(): number;
  /** ids per id:in request for this store's URL (the chunker's own answer): the lower bound's divisor. */
  idsPerRequest(ids: readonly number[]): number;
  pendingCount(): Promise<number>;
  givenUp(): Promise<{ productId: number; reason: string }[]>;
  /** Products whose managed categories differ from what the rules say (true sandbox state). */
  wrongProducts(): number[];
  post(path: string): Promise<{ status: number; body: unknown }>;
  status(): Promise<Record<string, unknown>>;
  /** Queues products as pending the way the backfill does (same record shape as ingest), in BulkWriter chunks. */
  enqueuePending(ids: readonly number[], atMs?: number): Promise<void>;
  /** Sums a numeric field over the service's log lines with this message. */
  sumLogs(message: string, field: string): number;
  close(): Promise<void>;
}

export async function startScaleStore(o: ScaleStoreOptions): Promise<ScaleStore> {
  const ownSandbox = !o.sandbox;
  const sandbox = o.sandbox ?? (await startSandbox({}));
  const token = `token-${o.storeHash}`;
  // A generous quota: the scenarios measure the sync, not BigCommerce's plan limits (Enterprise-like).
  const store = sandbox.createStore({ hash: o.storeHash, accessToken: token, seed: 7, quota: 1_000_000 });
  store.seedProducts(o.products, { seed: 7 });
  const db = new Firestore({ projectId: o.projectId, host: o.firestoreHost, ssl: false, ignoreUndefinedProperties: true });
  const dir = mkdtempSync(join(tmpdir(), 'scale-'));
  const rulesFile = join(dir, 'rules.json');
  writeFileSync(rulesFile, JSON.stringify(RULES_JSON));
  const logs: Record<string, unknown>[] = [];
  const service = await startService(
    {
      GOOGLE_CLOUD_PROJECT: o.projectId,
      FIRESTORE_EMULATOR_HOST: o.firestoreHost,
      PUSH_AUTH: 'none',
      LOG_LEVEL: 'info',
      BIGCOMMERCE_API_URL: sandbox.url,
      BIGCOMMERCE_STORE_HASH: o.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: token,
      CATEGORY_RULES_FILE: rulesFile,
      FLUSH_TIMERS: 'false',
      DEBOUNCE_WINDOW_SECONDS: '1',
      DEBOUNCE_MAX_WAIT_SECONDS: '1',
      // /tasks/full-sync answers within this; sweeps carry the job on (and fetch's 300 s header timeout never bites).
      FULL_SYNC_REQUEST_BUDGET_SECONDS: '30',
      ...o.env,
    },
    { logs, nodeArgs: [`--max-old-space-size=${HEAP_CAP_MB}`] },
  );
  const rss = sampleRss(() => service.child.pid);
  const pending = createFirestorePendingStore(db);
  const rules = parseRuleSet(RULES_JSON, 'scale');
  const fetchOpts = productFetchOptions(rules);

  return {
    sandbox,
    store,
    service,
    db,
    rss,
    catalogGets: () => sandbox.stats(o.storeHash).byRoute['GET /v3/catalog/products'] ?? 0,
    idsPerRequest(ids) {
      const chunks = chunkIds(ids, {
        urlPrefix: `${sandbox.url}/stores/${o.storeHash}${PRODUCTS_BY_IDS_PREFIX}`,
        urlSuffix: productsByIdsSuffix(250, { ...fetchOpts, includeFields: [...fetchOpts.includeFields, 'date_modified'] }),
        maxUrlLength: 2047,
      });
      return chunks.reduce((m, c) => Math.max(m, c.length), 0);
    },
    async pendingCount() {
      return (await db.collection(COLLECTIONS.pending).where('storeHash', '==', o.storeHash).count().get()).data().count;
    },
    async givenUp() {
      const snap = await db.collection(COLLECTIONS.givenUp).where('storeHash', '==', o.storeHash).get();
      return snap.docs.map((d) => ({ productId: d.get('productId') as number, reason: d.get('reason') as string }));
    },
    wrongProducts() {
      const out: number[] = [];
      for (const p of store.products()) if (managedOf(p.categories).join() !== expectedManaged(p).join()) out.push(p.id);
      return out;
    },
    async post(path) {
      const r = await fetch(`${service.url}${path}`, { method: 'POST' });
      const text = await r.text();
      return { status: r.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async status() {
      return (await (await fetch(`${service.url}/status`)).json()) as Record<string, unknown>;
    },
    async enqueuePending(ids, atMs = Date.now() - 60_000) {
      for (let i = 0; i < ids.length; i += 10_000) await pending.enqueue(o.storeHash, ids.slice(i, i + 10_000), 'bench', atMs);
    },
    sumLogs(message, field) {
      let sum = 0;
      for (const l of logs) if (l.message === message && typeof l[field] === 'number') sum += l[field];
      return sum;
    },
    async close() {
      rss.stop();
      await service.stop('SIGTERM');
      await db.terminate();
      if (ownSandbox) await sandbox.close();
    },
  };
}
