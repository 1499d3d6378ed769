// `npm run sandbox` (src/sandbox/main.ts) and the CLI (src/sandbox/cli.ts) as real processes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coerceValue, parseArgv } from '../../src/sandbox/argv.ts';
import { pubsubTopic, storeApi } from './sandbox-helpers.ts';

const PROJECT = 'demo-sandbox-tools';
const TOPIC = `projects/${PROJECT}/topics/tools-events`;
interface Ready {
  url: string;
  clientId: string;
  store: { hash: string; accessToken: string; products: number; defaultTopic: string | null } | null;
}

/** Starts main.ts and resolves with the parsed SANDBOX_READY line. */
function startMain(args: string[]): Promise<{ child: ChildProcess; ready: Ready; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['src/sandbox/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`main.ts not ready in 15 s\n${out}\n${err}`)), 15_000);
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^SANDBOX_READY (.+)$/m.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, ready: JSON.parse(m[1]) as Ready, exited });
      }
    });
    void exited.then((code) => reject(new Error(`main.ts exited early (${String(code)})\n${out}\n${err}`)));
  });
}

function cli(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string; json: unknown }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/sandbox/cli.ts', '--url', url, ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, json });
    });
  });
}

let main: Awaited<ReturnType<typeof startMain>>;
let events: Awaited<ReturnType<typeof pubsubTopic>>;

beforeAll(async () => {
  // main.ts creates the topic itself (PUBSUB_EMULATOR_HOST is set): attaching a subscription to
  // it without creating it proves that.
  main = await startMain(['--port', '0', '--hash', 'toolstore', '--token', 'tools-token', '--seed-count', '12', '--topic', TOPIC, '--project', PROJECT]);
  events = await pubsubTopic(PROJECT, 'tools-events', { createTopic: false });
});
afterAll(async () => {
  if (main.child.exitCode === null) main.child.kill('SIGKILL');
  await events.close();
});

describe('argv parsing (pure)', () => {
  it.each([
    [['update', '12', '--sale-price', '5'], ['update', '12'], { 'sale-price': '5' }],
    [['events', '--reorder', '--delay-ms=10'], ['events'], { reorder: true, 'delay-ms': '10' }],
    // A flag followed by a non-flag takes it as its value: boolean flags go last or before another flag.
    [['--reorder', 'events'], [], { reorder: 'events' }],
    [['stats', '--no-store'], ['stats'], { store: false }],
    [['emit', '--data', '{"a":1}', '--', '--literal'], ['emit', '--literal'], { data: '{"a":1}' }],
    [['x', '--price', '-4'], ['x'], { price: '-4' }],
  ])('%j', (argv, positionals, flags) => {
    expect(parseArgv(argv)).toEqual({ positionals, flags });
  });

  it.each([
    ['5', {}, 5],
    ['2.5', {}, 2.5],
    ['true', {}, true],
    ['abc', {}, 'abc'],
    ['1,2,3', { list: true }, [1, 2, 3]],
    [true, {}, true],
  ] as const)('coerces %j', (v, opts, expected) => {
    expect(coerceValue(v, opts)).toEqual(expected);
  });
});

describe('npm run sandbox (main.ts)', () => {
  it('prints the URL and store credentials, serves the seeded store, and created the topic', async () => {
    expect(main.ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(main.ready.store).toEqual({ hash: 'toolstore', accessToken: 'tools-token', products: 12, defaultTopic: TOPIC });
    const r = await storeApi(main.ready.url, 'toolstore', 'tools-token').get('/v3/catalog/products?limit=5');
    expect(r.status).toBe(200);
    expect(r.body.meta.pagination.total).toBe(12);
  });
});

describe('cli.ts against the running sandbox', () => {
  it('update / bulk / delete change the store and publish events to the topic', async () => {
    const upd = await cli(main.ready.url, ['update', '2', '--sale-price', '5', '--categories', '3,4']);
    expect(upd.code).toBe(0);
    expect(upd.json).toMatchObject({ data: { id: 2, sale_price: 5, categories: [3, 4] } });
    const bulk = await cli(main.ready.url, ['bulk', '--count', '3']);
    expect(bulk.json).toMatchObject({ mode: 'toggle-sale', updated: 3, ids: [1, 2, 3] });
    expect((await cli(main.ready.url, ['delete', '7'])).code).toBe(0);
    expect((await cli(main.ready.url, ['product', '7'])).code).toBe(1);
    expect((await cli(main.ready.url, ['flush'])).code).toBe(0);
    const got = await events.drain(5);
    expect(got.map((m) => `${m.body.scope}#${m.body.data.id as number}`).sort()).toEqual([
      'store/product/deleted#7',
      'store/product/updated#1',
      'store/product/updated#2',
      'store/product/updated#2',
      'store/product/updated#3',
    ]);
  });

  it('stats, hooks, deactivate, faults, events, install, signed-payload', async () => {
    await storeApi(main.ready.url, 'toolstore', 'tools-token').get('/v3/catalog/products');
    const stats = await cli(main.ready.url, ['stats']);
    expect(stats.json).toMatchObject({ byRoute: { 'GET /v3/catalog/products': expect.any(Number) } });
    expect((await cli(main.ready.url, ['hooks'])).json).toEqual({ data: [] });
    expect((await cli(main.ready.url, ['deactivate'])).code).toBe(0);
    expect((await cli(main.ready.url, ['faults', '--error-rate', '0', '--latency-ms', '1,2'])).json).toEqual({ faults: { errorRate: 0, latencyMs: [1, 2] } });
    expect((await cli(main.ready.url, ['events', '--duplicate-rate', '0', '--reorder'])).json).toEqual({ events: { duplicateRate: 0, reorder: true } });
    expect((await cli(main.ready.url, ['install'])).json).toMatchObject({ code: expect.any(String), context: 'stores/toolstore' });
    expect((await cli(main.ready.url, ['signed-payload'])).json).toMatchObject({ signed_payload_jwt: expect.stringMatching(/^ey/) });
    expect((await cli(main.ready.url, ['stats', '--reset'])).json).toEqual({ reset: true });
  });

  it('fails with exit code 1 and a message for bad input or an unreachable sandbox', async () => {
    const unknown = await cli(main.ready.url, ['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command/);
    const bad = await cli(main.ready.url, ['update', 'x']);
    expect(bad.code).toBe(1);
    const invalid = await cli(main.ready.url, ['update', '3', '--price', '-4']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/400/);
    const down = await cli('http://127.0.0.1:1', ['stats']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the sandbox/);
  });
});

describe('shutdown', () => {
  it('SIGTERM stops the process cleanly (exit 0) and the port is closed', async () => {
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    await expect(fetch(`${main.ready.url}/_sandbox/health`)).rejects.toThrow();
  });

  it('SIGINT does the same for a sandbox started without a store', async () => {
    const other = await startMain(['--port', '0', '--no-store']);
    expect(other.ready.store).toBeNull();
    other.child.kill('SIGINT');
    expect(await other.exited).toBe(0);
  });
});
