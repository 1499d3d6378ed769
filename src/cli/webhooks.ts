// Webhook registration per store, from an operator's terminal:
//   webhooks list [--store HASH]            what is registered and what a sync would change (changes nothing)
//   webhooks sync [--store HASH] [--prune]  create / re-activate / de-duplicate, then backfill gaps
// Env: the service's (GOOGLE_CLOUD_PROJECT, FIRESTORE_EMULATOR_HOST, BIGCOMMERCE_*, TOKEN_ENCRYPTION_KEY,
// WEBHOOK_TOPIC, WEBHOOK_SCOPES, BACKFILL_SILENCE_HOURS). Backfilled products are queued as pending
// records; the service's next flush sweep (Scheduler, every minute) processes them.
import { pino } from 'pino';
import type { DesiredWebhooks } from '../webhooks/desired-webhooks.ts';
import { planReconcile, isHookActive } from '../webhooks/plan-reconcile.ts';
import type { StoreReconcileReport } from '../webhooks/reconcile-webhooks.ts';
import { createServices } from '../services.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { isStoreHash } from '../bigcommerce/store-hash.ts';
import { cliConfig, CliUsageError, type CliGroup, type CliIo, type CliValues } from './cli.ts';


/** Pads every column but the last; the header is the first row. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * `webhooks list`: one row per hook the listing shows, plus one per desired scope with no hook, and
 * what a sync would do with it (keep, create, reactivate, delete, extraneous, foreign).
 */
export function formatHooksTable(reports: readonly StoreReconcileReport[], desired: DesiredWebhooks, ownClientId: string | undefined): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const r of reports) {
    if (r.outcome !== 'planned') {
      const why = r.errors.map((e) => `${e.code}: ${e.message}`).join('; ');
      notes.push(`${r.storeHash}: ${r.outcome}${why ? ` - ${why}` : ''}`);
      continue;
    }
    const plan = planReconcile(r.hooks, desired, { ownClientId });
    const verdict = new Map<string, string>();
    for (const a of r.actions) if (a.kind !== 'create') verdict.set(a.id, a.kind === 'delete' ? `delete (${a.reason})` : 'reactivate');
    for (const h of plan.extraneous) if (!verdict.has(h.id)) verdict.set(h.id, 'extraneous (kept; --prune deletes)');
    for (const h of plan.foreign) verdict.set(h.id, 'foreign (left alone)');
    for (const h of r.hooks) {
      rows.push([r.storeHash, h.id, h.scope, h.destination ?? '-', h.status ?? (isHookActive(h) ? 'ACTIVE' : 'INACTIVE'), h.clientId ?? '-', verdict.get(h.id) ?? 'keep']);
    }
    for (const scope of plan.created) rows.push([r.storeHash, '-', scope, desired.destination, 'MISSING', '-', 'create']);
  }
  const out = [formatTable(['STORE', 'ID', 'SCOPE', 'DESTINATION', 'STATUS', 'CLIENT', 'SYNC WOULD'], rows)];
  if (notes.length) out.push('', ...notes);
  return out.join('\n');
}

/** `webhooks sync`: one row per store, then every error with its actionable message. */
export function formatSyncTable(reports: readonly StoreReconcileReport[]): string {
  const list = (xs: readonly string[]) => (xs.length ? xs.join(',') : '-');
  const rows = reports.map((r) => [
    r.storeHash,
    r.outcome,
    list(r.created),
    list(r.reactivated),
    list(r.deleted.map((d) => `${d.scope}(${d.reason})`)),
    r.backfill ? `${r.backfill.products} since ${r.backfill.since} (${r.backfill.reason})` : '-',
    String(r.errors.length),
  ]);
  const errors = reports.flatMap((r) => r.errors.map((e) => `${r.storeHash} ${e.action}${e.scope ? ` ${e.scope}` : ''}: ${e.code} - ${e.message}`));
  const out = [formatTable(['STORE', 'OUTCOME', 'CREATED', 'REACTIVATED', 'DELETED', 'BACKFILL', 'ERRORS'], rows)];
  if (errors.length) out.push('', 'Errors:', ...errors.map((e) => `  ${e}`));
  return out.join('\n');
}

/**
 * The service's own wiring (services.ts), from the environment. Push settings do not matter here,
 * and the CLI never syncs categories itself: backfilled products wait for the service's sweep.
 */
async function lifecycleFromEnv(env: CliIo['env']) {
  const config = cliConfig(env);
  // Not a usage error: the environment is the service's, so it fails like the service would.
  if (!config.webhooks.topic) throw new AppError(ErrorCode.WEBHOOK_CONFIG_INVALID, 'WEBHOOK_TOPIC is not set: it names the Pub/Sub topic BigCommerce publishes webhooks to');
  const logger = pino({ level: config.log.level });
  const services = await createServices(config, { logger, settings: { scheduler: { timers: false } } });
  const { reconciler, desired } = services;
  // createServices builds both whenever WEBHOOK_TOPIC is set, which was checked above.
  if (!reconciler || !desired) throw new AppError(ErrorCode.WEBHOOK_CONFIG_INVALID, 'webhook reconcile is off');
  return { reconciler, desired, ownClientId: config.bigcommerce.clientId, close: () => services.close() };
}

function storeFlag(values: CliValues): string | undefined {
  const v = values.store;
  if (v === undefined) return undefined;
  if (!isStoreHash(v)) throw new CliUsageError('--store must be a store hash');
  return v;
}

export const webhooksGroup: CliGroup = {
  name: 'webhooks',
  summary: 'List and repair the BigCommerce webhooks of every installed store',
  commands: {
    list: {
      summary: 'Show each store’s webhooks and what a sync would change (changes nothing)',
      flags: { store: { type: 'string' } },
      flagHelp: ['--store HASH  only this store (default: every active store)'],
      run: async (values, io) => {
        const store = storeFlag(values);
        const lc = await lifecycleFromEnv(io.env);
        try {
          const reports = store ? [await lc.reconciler.reconcileStore(store, { dryRun: true })] : await lc.reconciler.reconcileAll({ dryRun: true });
          if (reports.length === 0) {
            io.out('No active stores.');
            return 0;
          }
          io.out(formatHooksTable(reports, lc.desired, lc.ownClientId));
          return reports.some((r) => r.outcome !== 'planned') ? 1 : 0;
        } finally {
          await lc.close();
        }
      },
    },
    sync: {
      summary: 'Create missing, re-activate inactive and delete duplicate webhooks; backfill gaps',
      flags: { store: { type: 'string' }, prune: { type: 'boolean' } },
      flagHelp: ['--store HASH  only this store (default: every active store)', '--prune       also delete our hooks whose scope is no longer in WEBHOOK_SCOPES'],
      run: async (values, io) => {
        const store = storeFlag(values);
        const prune = values.prune === true;
        const lc = await lifecycleFromEnv(io.env);
        try {
          const reports = store ? [await lc.reconciler.reconcileStore(store, { prune })] : await lc.reconciler.reconcileAll({ prune });
          if (reports.length === 0) {
            io.out('No active stores.');
            return 0;
          }
          io.out(formatSyncTable(reports));
          return reports.some((r) => r.outcome !== 'reconciled' && r.outcome !== 'uninstalled') ? 1 : 0;
        } finally {
          await lc.close();
        }
      },
    },
  },
};
