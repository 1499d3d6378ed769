// npm run bench:preview — a preview (dry run of two rules) over a whole sandbox catalog of
// BENCH_PRODUCTS (default 50,000) products, in a process capped at a 256 MB heap. Prints the reads
// (expected ceil(N / 250)), the sandbox's write counter before and after (expected equal), peak
// heap and duration. Asserts nothing.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.ts';

const N = Number(process.env.BENCH_PRODUCTS ?? 50_000);
const sandbox = await startSandbox({});
const store = sandbox.createStore({ hash: 'benchpreview', accessToken: 'bench-token', seed: 7, quota: 1_000_000 });
store.seedProducts(N, { seed: 7 });
const writes = () => sandbox.stats('benchpreview').categoryWrites + sandbox.stats('benchpreview').productWrites;
const before = writes();
// Async: the sandbox answers from this process's event loop while the probe runs.
const { stdout: out } = await promisify(execFile)(process.execPath, ['--max-old-space-size=256', join(import.meta.dirname, 'lib/preview-probe.ts'), sandbox.url, 'benchpreview', 'bench-token']);
const r = JSON.parse(out) as Record<string, number>;
process.stdout.write(
  `preview of ${N} products: ${r.requests} reads (ceil(N/250) = ${Math.ceil(N / 250)}), writes ${before} -> ${writes()}, ${r.productsTouched} would change, peak heap ${r.peakHeapMb} MB of ${r.heapLimitMb} MB, ${r.durationMs} ms\n`,
);
await sandbox.close();
