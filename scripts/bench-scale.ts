// npm run bench:scale — issue #12's sizes: one store with 10k / 50k / 150k pending products over a
// 150,000-product sandbox catalog, and full syncs of 50k / 200k-product catalogs. The service runs
// as a child process under --max-old-space-size=256 (HEAP_CAP_MB); the Firestore emulator gets
// -Xmx2g (a 200k-document store does not fit the tests' 256 MB). Prints, per scenario: wall time,
// the service's peak RSS, catalog GETs against the lower bound, and Firestore operations per product.
//   BENCH_SCALE (1) multiplies every size; BENCH_SCENARIOS (all) e.g. "pending-10k,full-50k".
import { startEmulator, stopEmulatorAndWait } from './lib/emulators.ts';
import { FULL_SYNC_PAGE, HEAP_CAP_MB, startScaleStore, until, type ScaleStore } from './lib/scale-harness.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ONLY = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim());
const CATALOG = Math.round(150_000 * SCALE);

interface Scenario {
  name: string;
  kind: 'pending' | 'full';
  products: number;
  pending: number;
}
const SCENARIOS: Scenario[] = [
  { name: 'pending-10k', kind: 'pending', products: CATALOG, pending: Math.round(10_000 * SCALE) },
  { name: 'pending-50k', kind: 'pending', products: CATALOG, pending: Math.round(50_000 * SCALE) },
  { name: 'pending-150k', kind: 'pending', products: CATALOG, pending: Math.round(150_000 * SCALE) },
  { name: 'full-50k', kind: 'full', products: Math.round(50_000 * SCALE), pending: 0 },
  { name: 'full-200k', kind: 'full', products: Math.round(200_000 * SCALE), pending: 0 },
].filter((s) => !ONLY || ONLY.includes(s.name)) as Scenario[];

process.env.EMULATOR_JAVA_OPTS = '-Xmx2g';
const fs = await startEmulator('firestore', { timeoutMs: 60_000 });
process.env.FIRESTORE_EMULATOR_HOST = fs.host;
process.env.METADATA_SERVER_DETECTION = 'none';

const lines: string[] = [
  `bench:scale — one store, 3 rules, service under --max-old-space-size=${HEAP_CAP_MB}, Firestore emulator -Xmx2g, sandbox in the bench process (Node ${process.version}, ${SCALE === 1 ? 'full size' : `BENCH_SCALE=${SCALE}`}, 2 cores shared)`,
  '| scenario | products | wall | peak RSS | catalog GETs | lower bound | Firestore ops / product | wrong at end | result |',
  '|---|---|---|---|---|---|---|---|---|',
];

async function runScenario(sc: Scenario, i: number): Promise<string> {
  const s: ScaleStore = await startScaleStore({ firestoreHost: fs.host, projectId: `demo-bench-scale-${i}`, storeHash: `scale${i}`, products: sc.products });
  try {
    const ids = Array.from({ length: sc.kind === 'pending' ? sc.pending : sc.products }, (_, k) => k + 1);
    if (sc.kind === 'pending') await s.enqueuePending(ids);
    s.rss.reset();
    const t0 = Date.now();
    let outcome = 'settled';
    try {
      if (sc.kind === 'pending') {
        await until(
          'the pending set to drain',
          async () => {
            const r = await s.post('/tasks/flush');
            if (r.status >= 500) throw new Error(`/tasks/flush answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
            return (await s.pendingCount()) === 0;
          },
          1_800_000,
          1_000,
        );
      } else {
        const r = await s.post(`/tasks/full-sync?store=${s.store.hash}`);
        if (r.status >= 300) throw new Error(`/tasks/full-sync answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
        // A durable job answers at once and is driven by sweeps; the old synchronous sync is done here.
        await until(
          'the full sync to finish',
          async () => {
            const st = await s.status();
            const job = (st.fullSync as Record<string, { state?: string }> | undefined)?.[s.store.hash];
            if (job === undefined || job.state === 'done') return true;
            await s.post('/tasks/flush');
            return false;
          },
          1_800_000,
          1_000,
        );
      }
    } catch (err) {
      outcome = `FAILED: ${(err as Error).message.slice(0, 200)}`;
    }
    const wallS = (Date.now() - t0) / 1000;
    const n = ids.length;
    const divisor = sc.kind === 'full' ? FULL_SYNC_PAGE : s.idsPerRequest(ids);
    const bound = Math.ceil(n / divisor);
    const gets = s.catalogGets();
    const wrong = s.wrongProducts().filter((id) => id <= n).length;
    const reads = s.sumLogs('flush done', 'firestoreReads') + s.sumLogs('full sync slice done', 'firestoreReads');
    const writes = s.sumLogs('flush done', 'firestoreWrites') + s.sumLogs('full sync slice done', 'firestoreWrites');
    const fsOps = reads + writes > 0 ? `${((reads + writes) / n).toFixed(3)} (${reads} reads, ${writes} writes)` : "n/a";
    return `| ${sc.name} | ${sc.products} catalog, ${n} ${sc.kind === 'pending' ? 'pending' : 'synced'} | ${wallS.toFixed(1)} s | ${s.rss.peakMb()} MB | ${gets} | ceil(${n}/${divisor}) = ${bound} | ${fsOps} | ${wrong} | ${outcome} |`;
  } finally {
    await s.close();
  }
}

try {
  for (const [i, sc] of SCENARIOS.entries()) {
    const line = await runScenario(sc, i);
    lines.push(line);
    console.error(line);
  }
  console.log(lines.join('\n'));
} finally {
  await stopEmulatorAndWait(fs);
}
