// The preview at catalog scale: 50,000 products x PREVIEW_SCALE (default 0.1), in a process capped at
// a 256 MB heap, costs exactly ceil(N / 250) reads and not one write (the sandbox's counters).
// Full size: PREVIEW_SCALE=1 (or `npm run bench:preview` for the figures).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.ts';

const N = Math.round(50_000 * Number(process.env.PREVIEW_SCALE ?? 0.1));
const H = 'previewscale';
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({});
  sandbox.createStore({ hash: H, accessToken: 'scale-token', seed: 5, quota: 1_000_000 }).seedProducts(N, { seed: 5 });
}, 120_000);
afterAll(() => sandbox.close());

describe(`preview of ${N} products`, () => {
  it('reads ceil(N/250) pages within a 256 MB heap and writes nothing', async () => {
    const before = sandbox.stats(H);
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=256', join(import.meta.dirname, '../../../scripts/lib/preview-probe.ts'), sandbox.url, H, 'scale-token']);
    const r = JSON.parse(stdout) as { requests: number; productsRead: number; writes: number; peakHeapMb: number; heapLimitMb: number };
    const after = sandbox.stats(H);
    expect(r.productsRead).toBe(N);
    expect(r.requests).toBe(Math.ceil(N / 250));
    expect(after.productGets - before.productGets).toBe(Math.ceil(N / 250));
    expect(after.requests - before.requests).toBe(Math.ceil(N / 250));
    expect(after.categoryWrites).toBe(before.categoryWrites);
    expect(after.productWrites).toBe(before.productWrites);
    expect(r.writes).toBe(0);
    // The cap took effect: the limit is the 256 MB old space plus the young generation (far below the default).
    expect(r.heapLimitMb).toBeLessThan(512);
    expect(r.peakHeapMb).toBeLessThan(256);
  }, 120_000);
});
