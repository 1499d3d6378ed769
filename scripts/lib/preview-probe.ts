// One preview of a whole store, run as its own process so a heap cap (--max-old-space-size) bounds
// exactly the preview: `node --max-old-space-size=256 scripts/lib/preview-probe.ts API_URL HASH TOKEN`.
// Prints one JSON line: requests, products read and touched, peak heap (MB), duration. Used by
// scripts/bench-preview.ts and test/integration/app-api/preview-scale.test.ts.
import { pino } from 'pino';
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts';
import { previewRules } from '../../src/app-api/preview-rules.ts';

const [apiUrl, storeHash, accessToken] = process.argv.slice(2);
if (!apiUrl || !storeHash || !accessToken) {
  process.stderr.write('usage: preview-probe.ts API_URL STORE_HASH ACCESS_TOKEN\n');
  process.exit(2);
}
const client = createBigCommerceClient({ apiUrl, storeHash, accessToken, logger: pino({ level: 'silent' }) });
let peakHeapBytes = 0;
const sample = () => {
  peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
};
const started = Date.now();
const result = await previewRules({
  client,
  ruleSet: {
    rules: [
      { name: 'on-sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } },
      { name: 'low-stock', categoryId: 51, when: { all: [{ field: 'inventory_tracking', op: 'neq', value: 'none' }, { field: 'inventory_level', op: 'lte', value: 5 }] } },
    ],
  },
  nowMs: () => Date.now(),
  onProgress: sample,
});
sample();
process.stdout.write(
  `${JSON.stringify({ requests: result.requests, productsRead: result.productsRead, productsTouched: result.productsTouched, writes: result.writes, peakHeapMb: Math.round(peakHeapBytes / 1048576), durationMs: Date.now() - started, heapLimitMb: Math.round((await import('node:v8')).getHeapStatistics().heap_size_limit / 1048576) })}\n`,
);
