// Category rules per store, from an operator's terminal (the same services as the merchant app):
//   rules get --store HASH                      the current rules (own version, or the default) as JSON
//   rules validate --file F                     check a rule set; every problem with its path
//   rules set --store HASH --file F [--expect-version N]   save a new version, then run a full sync
//   rules preview --store HASH [--file F]       dry run against the live catalog (writes nothing)
//   rules history --store HASH                  versions: when, who, what changed
//   rules rollback --store HASH --version N     restore version N as a new version, then run a full sync
//   explain --store HASH --product ID           why a product is or is not in each managed category, and its history
// Env: the service's (GOOGLE_CLOUD_PROJECT, FIRESTORE_EMULATOR_HOST, BIGCOMMERCE_*, TOKEN_ENCRYPTION_KEY,
// CATEGORY_RULES_FILE). The full sync after set/rollback runs here, under the store's sync lease.
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { systemClock } from '../clock.ts';
import { isAppError, ErrorCode } from '../errors.ts';
import { parseRuleSet } from '../rules/rule-set-schema.ts';
import type { RuleVersion } from '../stores/store-rules.ts';
import { createRulesService } from '../app-api/rules-service.ts';
import { previewRules, type PreviewResult } from '../app-api/preview-rules.ts';
import { explainProduct, type ProductExplanation } from '../app-api/explain-product.ts';
import type { ConditionExplanation } from '../rules/evaluate-condition.ts';
import { summarizeHistory, type HistorySummary } from '../events/product-history.ts';
import { cliConfig, CliUsageError, type CliGroup, type CliIo, type CliValues } from './cli.ts';
import { createServices } from '../services.ts';
import { isStoreHash } from '../bigcommerce/store-hash.ts';
import { formatTable } from './webhooks.ts';

/** The service's wiring for rules work (services.ts), from the environment. Timers off: the CLI syncs only when told. */
async function rulesFromEnv(env: CliIo['env']) {
  const config = cliConfig(env);
  const logger = pino({ level: config.log.level });
  const services = await createServices(config, { logger, leaseOwner: `cli/${randomUUID()}`, settings: { scheduler: { timers: false } } });
  let sync: Promise<unknown> = Promise.resolve();
  const rules = createRulesService({
    storeRules: services.storeRules,
    // In-process: the store's durable full-sync job, driven here slice by slice under the store's lease.
    startFullSync: (h) => {
      sync = (async () => {
        await services.fullSync.start(h);
        for (;;) {
          const r = await services.fullSync.runSlice(h);
          if (r.outcome !== 'flushed' || r.dueAtMs === undefined) return r;
        }
      })();
      return sync;
    },
    logger,
  });
  return { directory: services.directory, storeRules: services.storeRules, rules, clientFor: services.clientFor, history: services.history, waitForSync: () => sync, close: () => services.close() };
}

function store(values: CliValues): string {
  const v = values.store;
  if (typeof v !== 'string' || !isStoreHash(v)) throw new CliUsageError('--store HASH is required');
  return v;
}

async function readJsonFile(path: unknown): Promise<unknown> {
  if (typeof path !== 'string') throw new CliUsageError('--file PATH is required');
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new CliUsageError(`${path}: not valid JSON: ${(err as Error).message}`);
  }
}

const who = (v: RuleVersion) => v.author.email ?? (v.author.userId !== undefined ? `user ${v.author.userId}` : v.author.via);
const changes = (v: RuleVersion) =>
  [v.changes.added.length ? `+${v.changes.added.join(',')}` : '', v.changes.removed.length ? `-${v.changes.removed.join(',')}` : '', v.changes.changed.length ? `~${v.changes.changed.join(',')}` : ''].filter(Boolean).join(' ') || '-';

/** `rules history`: one row per version, newest first. */
export function formatHistory(versions: readonly RuleVersion[], current: number | undefined): string {
  return formatTable(
    ['VERSION', 'SAVED', 'BY', 'ACTION', 'CHANGES'],
    versions.map((v) => [`${v.version}${v.version === current ? '*' : ''}`, new Date(v.savedAtMs).toISOString(), who(v), v.action === 'rollback' ? `rollback to ${v.restoredVersion}` : 'save', changes(v)]),
  );
}

/** `rules preview`: per rule, what would change. */
export function formatPreview(r: PreviewResult): string {
  const sample = (xs: { id: number; sku?: string | undefined }[]) => xs.map((p) => `${p.id}${p.sku ? `(${p.sku})` : ''}`).join(',') || '-';
  return [
    formatTable(
      ['RULE', 'CATEGORY', 'MATCHES', 'ADD', 'REMOVE', 'FIRST ADDED', 'FIRST REMOVED'],
      r.rules.map((x) => [x.name, String(x.categoryId), String(x.matches), String(x.add.count), String(x.remove.count), sample(x.add.sample), sample(x.remove.sample)]),
    ),
    '',
    `${r.productsRead} products read, ${r.productsTouched} would change, ${r.requests} API calls, ${r.writes} writes${r.cancelled ? ' (cancelled)' : ''}.`,
  ].join('\n');
}

function treeLines(e: ConditionExplanation, depth = 0): string[] {
  const pad = '  '.repeat(depth);
  const mark = e.verdict ? '[true] ' : '[false]';
  if (e.kind === 'field') return [`${pad}${mark} ${e.field} ${e.op} ${JSON.stringify(e.value)}   (product: ${e.actual === undefined ? 'not set' : JSON.stringify(e.actual)})`];
  if (e.kind === 'not') return [`${pad}${mark} not`, ...treeLines(e.child, depth + 1)];
  return [`${pad}${mark} ${e.kind}`, ...e.children.flatMap((c) => treeLines(c, depth + 1))];
}

const iso = (ms: number) => new Date(ms).toISOString();
const changeText = (e: { added: number[]; removed: number[] }) => [e.added.length ? `+${e.added.join(',')}` : '', e.removed.length ? `-${e.removed.join(',')}` : ''].filter(Boolean).join(' ') || 'none';

/** The product's history here: status lines, then one row per sync that processed it (newest first). */
function historyLines(h: HistorySummary): string[] {
  return [
    '',
    `last read: ${h.lastRead ? `${iso(h.lastRead.atMs)} ${h.lastRead.found ? `(date_modified ${h.lastRead.dateModified ?? 'unknown'})` : '(not found)'}` : 'never'}`,
    `last change written: ${h.lastChange ? `${iso(h.lastChange.atMs)} ${changeText(h.lastChange)}` : 'none'}`,
    `given up: ${h.givenUp ? `${iso(h.givenUp.atMs)} ${h.givenUp.reason}` : 'no'}`,
    ...(h.entries.length === 0
      ? ['history: no sync has processed this product yet']
      : [
          '',
          formatTable(
            ['SYNC', 'EVENTS', 'READ', 'WRITTEN', 'OUTCOME'],
            h.entries.map((e) => [
              iso(e.atMs),
              e.events ? `${e.events.count} (${e.events.scopes.join(' ')}) last ${iso(e.events.lastAtMs)}` : 'full sync',
              e.read ? (e.read.found ? (e.read.dateModified ?? 'found') : 'not found') : 'not read',
              changeText(e),
              e.reason ? `${e.outcome}: ${e.reason}` : e.outcome,
            ]),
          ),
        ]),
  ];
}

/** `explain`: the product, each rule's tree with verdicts, managed categories now vs desired, its history. */
export function formatExplanation(x: ProductExplanation): string {
  return [
    `product ${x.product.id} ${x.product.name ?? ''} (${x.product.sku ?? 'no SKU'})`,
    '',
    ...x.rules.flatMap((r) => [`rule ${r.name} -> category ${r.categoryId}: ${r.verdict ? 'matches' : 'does not match'}`, ...treeLines(r.condition, 1)]),
    '',
    formatTable(
      ['CATEGORY', 'MEMBER NOW', 'SHOULD BE', 'NEXT SYNC'],
      x.categories.map((c) => [String(c.categoryId), c.member ? 'yes' : 'no', c.desired ? 'yes' : 'no', c.change]),
    ),
    ...(x.history ? historyLines(x.history) : []),
  ].join('\n');
}

const writeCommand = (summary: string, flagHelp: string[], flags: Record<string, { type: 'string' | 'boolean' }>, act: (ctx: Awaited<ReturnType<typeof rulesFromEnv>>, h: string, values: CliValues) => Promise<RuleVersion>) => ({
  summary,
  flags: { store: { type: 'string' as const }, ...flags },
  flagHelp,
  run: async (values: CliValues, io: CliIo) => {
    const h = store(values);
    const ctx = await rulesFromEnv(io.env);
    try {
      const v = await act(ctx, h, values);
      io.out(`store ${h}: rules version ${v.version} saved (${changes(v)}); full sync running...`);
      const r = (await ctx.waitForSync()) as { outcome: string; changedProducts?: number; productsFetched?: number };
      io.out(`full sync: ${r.outcome}${r.productsFetched !== undefined ? `, ${r.productsFetched} products read, ${r.changedProducts} changed` : ''}`);
      return 0;
    } catch (err) {
      if (isAppError(err, ErrorCode.RULES_INVALID) || isAppError(err, ErrorCode.RULES_VERSION_CONFLICT) || isAppError(err, ErrorCode.RULES_VERSION_NOT_FOUND)) {
        io.err(err.message);
        return 1;
      }
      throw err;
    } finally {
      await ctx.close();
    }
  },
});

export const rulesGroup: CliGroup = {
  name: 'rules',
  summary: 'Read, validate, preview, change and roll back a store’s category rules',
  commands: {
    get: {
      summary: 'Print the store’s current rules as JSON (its own version, or the default rules)',
      flags: { store: { type: 'string' } },
      flagHelp: ['--store HASH'],
      run: async (values, io) => {
        const h = store(values);
        const ctx = await rulesFromEnv(io.env);
        try {
          const own = await ctx.storeRules.current(h);
          const ruleSet = own?.ruleSet ?? (await ctx.directory.get(h))?.ruleSet;
          io.err(own ? `store ${h}: version ${own.version}` : ruleSet ? `store ${h}: no rules of its own; the default rules apply` : `store ${h}: no rules`);
          io.out(JSON.stringify(ruleSet ?? { rules: [] }, null, 2));
          return 0;
        } finally {
          await ctx.close();
        }
      },
    },
    validate: {
      summary: 'Check a rule set file; exit 1 with every problem when it is invalid',
      flags: { file: { type: 'string' } },
      flagHelp: ['--file PATH  rule set JSON'],
      run: async (values, io) => {
        const json = await readJsonFile(values.file);
        try {
          const rs = parseRuleSet(json, String(values.file));
          io.out(`valid: ${rs.rules.length} rule${rs.rules.length === 1 ? '' : 's'}`);
          return 0;
        } catch (err) {
          if (!isAppError(err, ErrorCode.RULES_INVALID)) throw err;
          io.err(err.message);
          return 1;
        }
      },
    },
    set: writeCommand(
      'Save a rule set file as the store’s new version, then run a full sync',
      ['--store HASH', '--file PATH           rule set JSON', '--expect-version N    refuse if the current version is not N (0 = none)'],
      { file: { type: 'string' }, 'expect-version': { type: 'string' } },
      async (ctx, h, values) => {
        const expected = values['expect-version'];
        return ctx.rules.replace(h, await readJsonFile(values.file), { author: { via: 'cli' }, expectedVersion: typeof expected === 'string' ? Number(expected) : undefined });
      },
    ),
    rollback: writeCommand(
      'Restore an earlier version as a new version, then run a full sync',
      ['--store HASH', '--version N'],
      { version: { type: 'string' } },
      async (ctx, h, values) => {
        const n = Number(values.version);
        if (!Number.isSafeInteger(n) || n < 1) throw new CliUsageError('--version N is required (a positive integer)');
        return ctx.rules.rollback(h, n, { author: { via: 'cli' } });
      },
    ),
    history: {
      summary: 'List the store’s rule versions: when, who, what changed (* = current)',
      flags: { store: { type: 'string' }, limit: { type: 'string' } },
      flagHelp: ['--store HASH', '--limit N   versions to show (default 50)'],
      run: async (values, io) => {
        const h = store(values);
        const ctx = await rulesFromEnv(io.env);
        try {
          const versions = await ctx.storeRules.versions(h, { limit: values.limit === undefined ? 50 : Number(values.limit) });
          if (versions.length === 0) {
            io.out(`store ${h} has no saved rule versions.`);
            return 0;
          }
          io.out(formatHistory(versions, (await ctx.storeRules.current(h))?.version));
          return 0;
        } finally {
          await ctx.close();
        }
      },
    },
    preview: {
      summary: 'Dry run: what a rule set (default: the current rules) would change in the live catalog; writes nothing',
      flags: { store: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean' } },
      flagHelp: ['--store HASH', '--file PATH  rule set JSON (default: the store’s current rules)', '--json       print the full result as JSON'],
      run: async (values, io) => {
        const h = store(values);
        const ctx = await rulesFromEnv(io.env);
        try {
          const s = await ctx.directory.get(h);
          if (!s?.accessToken) throw new CliUsageError(`store ${h} is not installed (no access token)`);
          const ruleSet = values.file !== undefined ? parseRuleSet(await readJsonFile(values.file), String(values.file)) : (s.ruleSet ?? { rules: [] });
          const abort = new AbortController();
          const onInt = () => abort.abort();
          process.once('SIGINT', onInt);
          try {
            const r = await previewRules({ client: ctx.clientFor({ storeHash: h, accessToken: s.accessToken }), ruleSet, nowMs: () => systemClock.now(), signal: abort.signal });
            io.out(values.json === true ? JSON.stringify(r, null, 2) : formatPreview(r));
            return r.cancelled ? 1 : 0;
          } finally {
            process.off('SIGINT', onInt);
          }
        } finally {
          await ctx.close();
        }
      },
    },
  },
};

export const explainGroup: CliGroup = {
  name: 'explain',
  summary: 'Why a product is or is not in each category the rules manage',
  defaultCommand: 'product',
  commands: {
    product: {
      summary: 'Explain one product: each rule’s conditions with their verdicts, categories now vs desired',
      flags: { store: { type: 'string' }, product: { type: 'string' }, json: { type: 'boolean' } },
      flagHelp: ['--store HASH', '--product ID', '--json        print the explanation as JSON'],
      run: async (values, io) => {
        const h = store(values);
        const id = Number(values.product);
        if (!Number.isSafeInteger(id) || id < 1) throw new CliUsageError('--product ID is required');
        const ctx = await rulesFromEnv(io.env);
        try {
          const s = await ctx.directory.get(h);
          if (!s?.accessToken) throw new CliUsageError(`store ${h} is not installed (no access token)`);
          const read = await explainProduct(ctx.clientFor({ storeHash: h, accessToken: s.accessToken }), id, s.ruleSet ?? { rules: [] }, systemClock.now());
          if (!read) {
            io.err(`product ${id} does not exist in store ${h}`);
            return 1;
          }
          const x: ProductExplanation = { ...read, history: summarizeHistory(await ctx.history.read(h, id)) };
          io.out(values.json === true ? JSON.stringify(x, null, 2) : formatExplanation(x));
          return 0;
        } finally {
          await ctx.close();
        }
      },
    },
  },
};
