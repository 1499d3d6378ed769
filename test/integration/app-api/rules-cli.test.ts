// CLI parity: `rules get|set|validate|preview|history|rollback` and `explain --store --product`, run
// in-process against the Firestore emulator and the sandbox, with the service's environment.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliIo } from '../../../src/cli/cli.ts';
import { explainGroup, rulesGroup } from '../../../src/cli/rules.ts';
import { startSandbox, type Sandbox, type SandboxStore } from '../../../src/sandbox/index.ts';
import { testFirestore } from '../../helpers/firestore.ts';

const PROJECT = 'demo-rules-cli';
const { db, reset } = testFirestore(PROJECT);
const H = 'clistore';
let sandbox: Sandbox;
let store: SandboxStore;
const dir = mkdtempSync(join(tmpdir(), 'rules-cli-'));
const file = (name: string, json: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(json));
  return p;
};
const SALE = { rules: [{ name: 'sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } }] };
const FEATURED = { rules: [{ name: 'featured', categoryId: 52, when: { field: 'is_featured', op: 'eq', value: true } }] };

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    env: {
      GOOGLE_CLOUD_PROJECT: PROJECT,
      FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
      BIGCOMMERCE_API_URL: sandbox.url,
      BIGCOMMERCE_STORE_HASH: H,
      BIGCOMMERCE_ACCESS_TOKEN: 'cli-token',
      LOG_LEVEL: 'silent',
    },
  };
  const code = await runCli(argv, [rulesGroup, explainGroup], io);
  return { code, out, err };
}

beforeAll(async () => {
  await reset();
  sandbox = await startSandbox({});
  store = sandbox.createStore({ hash: H, accessToken: 'cli-token', seed: 4 });
  store.seedProducts(120, { seed: 4 });
  addedBySale = store.products().find((p) => p.sale_price > 0 && !p.categories.includes(50))!.id;
});
/** A product the first `rules set` adds to category 50: its history shows it. */
let addedBySale = 0;
afterAll(async () => {
  await sandbox.close();
  await db.terminate();
});

describe('rules CLI', () => {
  it('validate names each problem with its path and exits 1; a valid file exits 0', async () => {
    const bad = await cli('rules', 'validate', '--file', file('bad.json', { rules: [{ name: 'x', categoryId: -1, when: { field: 'price', op: 'bigger', value: 1 } }] }));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('rules[0].categoryId: must be a positive integer');
    expect(bad.err).toContain('rules[0].when.op: must be one of');
    expect((await cli('rules', 'validate', '--file', file('sale.json', SALE))).code).toBe(0);
  });

  it('preview writes nothing; set saves version 1 and the full sync brings the catalog in line', async () => {
    const before = sandbox.stats(H).categoryWrites;
    const preview = await cli('rules', 'preview', '--store', H, '--file', file('sale.json', SALE), '--json');
    expect(preview.code).toBe(0);
    const r = JSON.parse(preview.out) as { requests: number; rules: { add: { count: number } }[] };
    expect(r.requests).toBe(1);
    expect(r.rules[0]!.add.count).toBe(store.products().filter((p) => p.sale_price > 0 && !p.categories.includes(50)).length);
    expect(sandbox.stats(H).categoryWrites).toBe(before);

    const set = await cli('rules', 'set', '--store', H, '--file', file('sale.json', SALE), '--expect-version', '0');
    expect(set.code, set.err).toBe(0);
    expect(set.out).toContain('rules version 1 saved');
    expect(set.out).toContain('full sync: flushed');
    expect(store.products().every((p) => p.categories.includes(50) === p.sale_price > 0)).toBe(true);
    expect(JSON.parse((await cli('rules', 'get', '--store', H)).out)).toEqual(SALE);
  });

  it('a stale --expect-version is refused and saves nothing', async () => {
    const r = await cli('rules', 'set', '--store', H, '--file', file('featured.json', FEATURED), '--expect-version', '0');
    expect(r.code).toBe(1);
    expect(r.err).toContain('changed meanwhile');
    expect(JSON.parse((await cli('rules', 'get', '--store', H)).out)).toEqual(SALE);
  });

  it('history and rollback', async () => {
    expect((await cli('rules', 'set', '--store', H, '--file', file('featured.json', FEATURED))).code).toBe(0);
    expect(store.products().every((p) => p.categories.includes(52) === p.is_featured)).toBe(true);
    const rb = await cli('rules', 'rollback', '--store', H, '--version', '1');
    expect(rb.code, rb.err).toBe(0);
    expect(rb.out).toContain('rules version 3 saved');
    const history = (await cli('rules', 'history', '--store', H)).out;
    expect(history).toMatch(/^3\*\s.*rollback to 1/m);
    expect(history).toMatch(/^2\s.*save\s+\+featured -sale/m);
    expect(JSON.parse((await cli('rules', 'get', '--store', H)).out)).toEqual(SALE);
  });

  it('explain --store --product shows each condition’s verdict and the category now vs desired', async () => {
    const p = store.products().find((x) => x.sale_price > 0)!;
    const r = await cli('explain', '--store', H, '--product', String(p.id));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`[true]  sale_price gt 0   (product: ${p.sale_price})`);
    expect(r.out).toMatch(/^50\s+yes\s+yes\s+none$/m);
    expect((await cli('explain', '--store', H, '--product', '999999')).code).toBe(1);
  });

  it('explain shows the product’s history: the full sync that added it, no given-up status; --json carries it', async () => {
    const r = await cli('explain', '--store', H, '--product', String(addedBySale));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^last change written: \S+ \+50$/m);
    expect(r.out).toMatch(/^last read: \S+ \(date_modified \S+\)$/m);
    expect(r.out).toContain('given up: no');
    expect(r.out).toMatch(/^\S+\s+full sync\s+\S+\s+\+50\s+completed$/m);
    const json = JSON.parse((await cli('explain', '--store', H, '--product', String(addedBySale), '--json')).out) as { history: { entries: unknown[]; lastChange: { added: number[] } } };
    expect(json.history.lastChange.added).toEqual([50]);
    // A product none of the syncs changed has no history yet.
    const untouched = store.products().find((p) => p.sale_price === 0 && !p.categories.includes(50) && !p.is_featured)!;
    expect((await cli('explain', '--store', H, '--product', String(untouched.id))).out).toContain('history: no sync has processed this product yet');
  });
});
