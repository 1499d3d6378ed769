import pLimit from 'p-limit';
import type { BigCommerceClient } from '../bigcommerce/client.ts';
import type { Clock } from '../clock.ts';
import { AppError, isAppError, ErrorCode } from '../errors.ts';
import type { PendingStore } from '../events/pending-store.ts';
import type { Logger } from '../logger.ts';
import type { StoreContext, StoreDirectory } from '../stores/store-directory.ts';
import type { StoreRegistry } from '../stores/store-registry.ts';
import type { DesiredWebhooks } from './desired-webhooks.ts';
import { modifiedProductIds } from './modified-product-ids.ts';
import { bcDate } from '../bigcommerce/catalog-paths.ts';
import { createCatalog } from '../bigcommerce/catalog.ts';
import { planBackfill, coveredUntilMs, type BackfillDecision } from './plan-backfill.ts';
import { planReconcile, type ExistingWebhook, type ReconcileAction } from './plan-reconcile.ts';
import { createWebhooksApi } from '../bigcommerce/webhooks.ts';

export interface ReconcileSettings {
  desired: DesiredWebhooks;
  /** BIGCOMMERCE_CLIENT_ID: whose hooks are ours. */
  ownClientId: string | undefined;
  /** BACKFILL_SILENCE_HOURS in ms. */
  backfillSilenceMs: number;
  /** Subtracted from the backfill start (default 5 minutes). */
  backfillMarginMs?: number;
  /** Stores reconciled at once by `reconcileAll` (default 2: they share nothing but our CPU). */
  concurrency?: number;
}

export interface ReconcileDeps {
  directory: StoreDirectory;
  registry: StoreRegistry;
  pending: PendingStore;
  clientFor: (store: StoreContext & { accessToken: string }) => BigCommerceClient;
  clock: Clock;
  logger: Logger;
  settings: ReconcileSettings;
  /** Products were queued for this store (main.ts arms the flush timer with it). */
  onEnqueued?: (storeHash: string) => void;
}

export interface ReconcileError {
  action: ReconcileAction['kind'] | 'list' | 'backfill';
  scope?: string | undefined;
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

export interface StoreReconcileReport {
  storeHash: string;
  /** `reconciled`: every desired hook active; `partial`: some actions failed; `planned`: dry run. */
  outcome: 'reconciled' | 'partial' | 'failed' | 'planned' | 'uninstalled' | 'unknown-store' | 'no-credentials';
  created: string[];
  reactivated: string[];
  deleted: { id: string; scope: string; reason: 'duplicate' | 'undesired' }[];
  /** Planned actions (dry run) or the ones applied. */
  actions: ReconcileAction[];
  unchanged: number;
  extraneous: string[];
  foreign: number;
  /** Everything the listing showed (before changes). */
  hooks: ExistingWebhook[];
  errors: ReconcileError[];
  backfill?: { reason: 'gap' | 'silence'; since: string; products: number; enqueued: number } | undefined;
}

export interface ReconcileOptions {
  /** Plan only: list and diff, change nothing (CLI `webhooks list`). */
  dryRun?: boolean;
  /** Also delete our hooks whose scope is no longer desired. */
  prune?: boolean;
}

const DEFAULT_MARGIN_MS = 5 * 60_000;
const ENQUEUE_CHUNK = 500;

const emptyReport = (storeHash: string, outcome: StoreReconcileReport['outcome']): StoreReconcileReport => ({
  storeHash,
  outcome,
  created: [],
  reactivated: [],
  deleted: [],
  actions: [],
  unchanged: 0,
  extraneous: [],
  foreign: 0,
  hooks: [],
  errors: [],
});

function toError(err: unknown, action: ReconcileError['action'], scope?: string): ReconcileError {
  if (err instanceof AppError) return { action, scope, code: err.code, message: err.message, retryable: err.retryable };
  return { action, scope, code: ErrorCode.WEBHOOK_RECONCILE_FAILED, message: err instanceof Error ? err.message : String(err), retryable: true };
}

/** Applies the planned actions in order; one failed action is reported and does not stop the others. */
async function applyActions(api: ReturnType<typeof createWebhooksApi>, actions: ReconcileAction[], report: StoreReconcileReport): Promise<void> {
  for (const a of actions) {
    try {
      switch (a.kind) {
        case 'create':
          try {
            await api.create({ scope: a.scope, destination: a.destination });
          } catch (err) {
            // Created meanwhile (another reconcile, a stale listing): the desired state holds.
            if (!isAppError(err, ErrorCode.WEBHOOK_ALREADY_EXISTS)) throw err;
          }
          report.created.push(a.scope);
          break;
        case 'reactivate':
          await api.reactivate(a.id, { scope: a.scope, destination: a.destination });
          report.reactivated.push(a.scope);
          break;
        case 'delete':
          try {
            await api.delete(a.id, { scope: a.scope, destination: a.destination });
          } catch (err) {
            if (!isAppError(err, ErrorCode.WEBHOOK_NOT_FOUND)) throw err;
          }
          report.deleted.push({ id: a.id, scope: a.scope, reason: a.reason });
          break;
      }
    } catch (err) {
      report.errors.push(toError(err, a.kind, a.scope));
    }
  }
}

/**
 * Queues the products modified since the gap opened as pending work (the normal debounce/sync path
 * reads them). Returns what to record, or undefined when the listing failed: the gap then stays open
 * and the next reconcile backfills it.
 */
async function runBackfill(
  deps: ReconcileDeps,
  r: { client: BigCommerceClient; storeHash: string; decision: Extract<BackfillDecision, { kind: 'backfill' }>; nowMs: number; report: StoreReconcileReport; log: Logger },
): Promise<{ startedAtMs: number; gapAfter: 'closed' | 'advanced' | 'none' } | undefined> {
  try {
    const ids = await modifiedProductIds(createCatalog(r.client), r.decision.sinceMs, { storeHash: r.storeHash });
    let enqueued = 0;
    for (let i = 0; i < ids.length; i += ENQUEUE_CHUNK) {
      enqueued += await deps.pending.enqueue(r.storeHash, ids.slice(i, i + ENQUEUE_CHUNK), 'backfill', deps.clock.now());
    }
    r.report.backfill = { reason: r.decision.reason, since: bcDate(r.decision.sinceMs), products: ids.length, enqueued };
    if (enqueued > 0) deps.onEnqueued?.(r.storeHash);
    r.log.info({ ...r.report.backfill }, 'webhook gap backfill queued');
    return { startedAtMs: r.nowMs, gapAfter: r.decision.gapAfter };
  } catch (err) {
    r.report.errors.push(toError(err, 'backfill'));
    return undefined;
  }
}

/** Sets the outcome of an applied reconcile and logs its summary. */
function finish(report: StoreReconcileReport, plannedActions: number, log: Logger): StoreReconcileReport {
  report.outcome = report.errors.length === 0 ? 'reconciled' : 'partial';
  const summary = { created: report.created, reactivated: report.reactivated, deleted: report.deleted.length, errors: report.errors };
  if (report.errors.length > 0) log.error(summary, 'webhook reconcile incomplete');
  else if (plannedActions > 0) log.info(summary, 'webhooks reconciled');
  else log.debug(summary, 'webhooks unchanged');
  return report;
}

/**
 * Keeps every store's webhooks as desired and heals delivery gaps (plan-reconcile.ts decides the
 * hook changes, plan-backfill.ts the backfill). Per store: list -> diff -> apply (creates and
 * re-activations before deletions; one failed action does not stop the others) -> backfill through
 * the pending records, so the normal debounce/flush path reads and applies the rules. Safe to run
 * twice and concurrently: a repeated create answers AlreadyExistsError (counted as done), the gap
 * mark is kept in Firestore until a backfill closed it, and enqueueing the same product twice only
 * refreshes its pending record. Uninstalled stores get no BigCommerce call.
 */
export function createWebhookReconciler(deps: ReconcileDeps) {
  const s = deps.settings;
  const marginMs = s.backfillMarginMs ?? DEFAULT_MARGIN_MS;

  async function reconcileStore(storeHash: string, opts: ReconcileOptions = {}): Promise<StoreReconcileReport> {
    const log = deps.logger.child({ storeHash });
    const store = await deps.directory.get(storeHash);
    if (!store) return emptyReport(storeHash, 'unknown-store');
    if (store.status === 'uninstalled') {
      // Safety net for the event path: an uninstalled store must not keep its token or pending work.
      if (!opts.dryRun) await deps.registry.settleUninstall(storeHash);
      return emptyReport(storeHash, 'uninstalled');
    }
    if (!store.accessToken) return emptyReport(storeHash, 'no-credentials');

    const client = deps.clientFor({ ...store, accessToken: store.accessToken });
    const api = createWebhooksApi(client);
    const report = emptyReport(storeHash, 'planned');
    try {
      report.hooks = await api.list();
    } catch (err) {
      report.outcome = 'failed';
      report.errors.push(toError(err, 'list'));
      log.error({ code: report.errors[0]?.code, message: report.errors[0]?.message }, 'webhook reconcile failed');
      return report;
    }
    const plan = planReconcile(report.hooks, s.desired, { ownClientId: s.ownClientId, prune: opts.prune ?? false });
    report.actions = plan.actions;
    report.unchanged = plan.unchanged.length;
    report.extraneous = plan.extraneous.map((h) => h.scope);
    report.foreign = plan.foreign.length;
    if (opts.dryRun) return report;

    const life = await deps.registry.lifecycle(storeHash);
    const nowMs = deps.clock.now();
    let gapSinceMs = life?.webhookGapSinceMs;
    const wasReconciled = life?.webhooksReconciledAtMs !== undefined;
    // Hooks off, or gone on a store we had set up: events were (or may have been) missed.
    if (plan.reactivated.length > 0 || (plan.created.length > 0 && wasReconciled)) {
      const covered = coveredUntilMs({ lastEventAtMs: store.lastEventAtMs, installedAtMs: life?.installedAtMs, lastBackfillAtMs: life?.lastBackfillAtMs });
      const start = covered ?? life?.webhooksReconciledAtMs ?? nowMs - s.backfillSilenceMs;
      gapSinceMs = await deps.registry.openWebhookGap(storeHash, start);
      log.warn({ reactivate: plan.reactivated, create: plan.created, gapSince: new Date(gapSinceMs).toISOString() }, 'webhook delivery gap found');
    }

    await applyActions(api, plan.actions, report);
    const failedScopes = new Set(report.errors.filter((e) => e.action === 'create' || e.action === 'reactivate').map((e) => e.scope));
    const allActive = s.desired.scopes.every((sc) => !failedScopes.has(sc));

    const decision = planBackfill({
      nowMs,
      silenceMs: s.backfillSilenceMs,
      marginMs,
      lastEventAtMs: store.lastEventAtMs,
      installedAtMs: life?.installedAtMs,
      lastBackfillAtMs: life?.lastBackfillAtMs,
      gapSinceMs,
      allActive,
    });
    const backfill = decision.kind === 'backfill' ? await runBackfill(deps, { client, storeHash, decision, nowMs, report, log }) : undefined;
    await deps.registry.recordReconcile(storeHash, { atMs: nowMs, backfill });
    return finish(report, plan.actions.length, log);
  }

  /** Every active store (directory.activeStores), plus uninstalled stores still holding a token. */
  async function reconcileAll(opts: ReconcileOptions = {}): Promise<StoreReconcileReport[]> {
    const hashes = new Set(await deps.directory.activeStores());
    if (!opts.dryRun) for (const h of await deps.registry.uninstalledWithToken()) hashes.add(h);
    const limit = pLimit(s.concurrency ?? 2);
    return Promise.all(
      [...hashes].sort().map((h) =>
        limit(async () => {
          try {
            return await reconcileStore(h, opts);
          } catch (err) {
            // Firestore trouble for one store: report it, carry on with the others.
            const r = emptyReport(h, 'failed');
            r.errors.push(toError(err, 'list'));
            deps.logger.error({ storeHash: h, err }, 'webhook reconcile failed');
            return r;
          }
        }),
      ),
    );
  }

  return { reconcileStore, reconcileAll };
}

export type WebhookReconciler = ReturnType<typeof createWebhookReconciler>;
