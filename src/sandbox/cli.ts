/**
 * Drives a running sandbox through its control plane (`/_sandbox/*`):
 *
 *   node src/sandbox/cli.ts [--url URL] [--store HASH] <command> [args]
 *
 *   stores                                  list stores
 *   info                                    the selected store
 *   products | product <id>                 true state (ignores consistency delays)
 *   create [--name X --price 5 ...]         create a product (emits store/product/created)
 *   update <id> --sale-price 5 [...]        any product field as --kebab-case flag; --categories 1,2;
 *                                           --invisible-for-ms N hides the change from reads
 *   delete <id>
 *   bulk [--count N | --ids 1,2] [--mode toggle-sale|inventory|touch] [--<field> V ...]
 *   seed <n> [--seed S]
 *   faults [--error-rate 0.1] [--latency-ms 50 | --latency-ms 20,80] [--burst429 3]   (no flags: clear)
 *   events [--duplicate-rate 0.2] [--reorder] [--extra-updated-per-change 2] [--delay-ms 100]
 *   stats [--all] | stats --reset
 *   hooks | deactivate | uninstall | published | flush
 *   emit <scope> [--data '{"type":"sku","id":1}']
 *   install [--redirect-uri U] | signed-payload [--expired]
 *
 * --url defaults to SANDBOX_URL or http://127.0.0.1:8090; --store to SANDBOX_STORE_HASH or the
 * only store. Output is JSON on stdout; errors go to stderr with exit code 1.
 */
import { coerceValue, kebabToCamel, kebabToSnake, parseArgv } from './argv.ts';

const { positionals, flags } = parseArgv(process.argv.slice(2));
const baseUrl = (typeof flags.url === 'string' ? flags.url : (process.env.SANDBOX_URL ?? 'http://127.0.0.1:8090')).replace(/\/+$/, '');
const GLOBAL_FLAGS = new Set(['url', 'store']);
const LIST_FIELDS = new Set(['categories', 'channels', 'ids']);

class CliError extends Error {}

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new CliError(`cannot reach the sandbox at ${baseUrl} (set --url or SANDBOX_URL): ${(e as Error).message}`);
  }
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : { status: res.status };
  if (!res.ok) throw new CliError(`${method} ${path} -> ${res.status}: ${text}`);
  return json;
}

async function storeHash(): Promise<string> {
  if (typeof flags.store === 'string') return flags.store;
  if (process.env.SANDBOX_STORE_HASH) return process.env.SANDBOX_STORE_HASH;
  const { data } = (await call('GET', '/stores')) as { data: { hash: string }[] };
  if (data.length !== 1) throw new CliError(`the sandbox has ${data.length} stores: pick one with --store (${data.map((s) => s.hash).join(', ')})`);
  return (data[0] as { hash: string }).hash;
}

/** Every non-global flag except `skip` as a snake_case product field. */
function productFields(skip: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (GLOBAL_FLAGS.has(k) || skip.includes(k)) continue;
    const field = kebabToSnake(k);
    out[field] = coerceValue(v, { list: LIST_FIELDS.has(field) });
  }
  return out;
}

/** Every non-global flag as a camelCase option (faults, events). */
function camelFlags(skip: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (GLOBAL_FLAGS.has(k) || skip.includes(k)) continue;
    const key = kebabToCamel(k);
    out[key] = key === 'latencyMs' && typeof v === 'string' && v.includes(',') ? coerceValue(v, { list: true }) : coerceValue(v);
  }
  return out;
}

const idArg = (i = 1): number => {
  const v = Number(positionals[i]);
  if (!Number.isInteger(v) || v < 1) throw new CliError(`expected a product id, got ${positionals[i] ?? '(nothing)'}`);
  return v;
};

async function run(): Promise<unknown> {
  const cmd = positionals[0] ?? '';
  const s = async () => `/stores/${encodeURIComponent(await storeHash())}`;
  switch (cmd) {
    case 'stores':
      return call('GET', '/stores');
    case 'info':
      return call('GET', await s());
    case 'products':
      return call('GET', `${await s()}/products`);
    case 'product':
      return call('GET', `${await s()}/products/${idArg()}`);
    case 'create':
      return call('POST', `${await s()}/products`, productFields());
    case 'update': {
      const id = idArg();
      const inv = flags['invisible-for-ms'];
      const q = typeof inv === 'string' ? `?invisibleForMs=${encodeURIComponent(inv)}` : '';
      return call('PATCH', `${await s()}/products/${id}${q}`, productFields(['invisible-for-ms']));
    }
    case 'delete':
      return call('DELETE', `${await s()}/products/${idArg()}`);
    case 'bulk': {
      const set = productFields(['count', 'ids', 'mode', 'invisible-for-ms']);
      const body: Record<string, unknown> = {};
      if (typeof flags.count === 'string') body.count = Number(flags.count);
      if (typeof flags.ids === 'string') body.ids = coerceValue(flags.ids, { list: true });
      if (typeof flags.mode === 'string') body.mode = flags.mode;
      if (typeof flags['invisible-for-ms'] === 'string') body.invisibleForMs = Number(flags['invisible-for-ms']);
      if (Object.keys(set).length > 0) body.set = set;
      return call('POST', `${await s()}/bulk-update`, body);
    }
    case 'seed': {
      const count = Number(positionals[1]);
      if (!Number.isInteger(count) || count < 0) throw new CliError('usage: seed <n> [--seed S]');
      return call('POST', `${await s()}/seed`, { count, ...(typeof flags.seed === 'string' ? { seed: Number(flags.seed) } : {}) });
    }
    case 'faults':
      return call('PUT', `${await s()}/faults`, camelFlags());
    case 'events':
      return call('PUT', `${await s()}/events`, camelFlags());
    case 'stats':
      if (flags.reset === true) return call('POST', '/stats/reset');
      return call('GET', flags.all === true ? '/stats' : `/stats?hash=${encodeURIComponent(await storeHash())}`);
    case 'hooks':
      return call('GET', `${await s()}/hooks`);
    case 'deactivate':
      return call('POST', `${await s()}/deactivate-hooks`);
    case 'uninstall':
      return call('POST', `${await s()}/uninstall`);
    case 'published':
      return call('GET', `${await s()}/published-events`);
    case 'flush':
      return call('POST', `${await s()}/flush-events`);
    case 'emit': {
      const scope = positionals[1];
      if (!scope) throw new CliError("usage: emit <scope> [--data '{...}']");
      const data: unknown = typeof flags.data === 'string' ? JSON.parse(flags.data) : {};
      return call('POST', `${await s()}/emit`, { scope, data });
    }
    case 'install':
      return call('POST', '/install', { hash: await storeHash(), ...(typeof flags['redirect-uri'] === 'string' ? { redirectUri: flags['redirect-uri'] } : {}) });
    case 'signed-payload':
      return call('POST', '/signed-payload', { hash: await storeHash(), ...(flags.expired === true ? { expired: true } : {}) });
    default:
      throw new CliError(`unknown command '${cmd}': see the header of src/sandbox/cli.ts`);
  }
}

try {
  const out = await run();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} catch (e) {
  process.stderr.write(`${e instanceof CliError ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
