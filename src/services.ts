// The one composition root: every entry point (the server in main.ts, the operator CLI, the test
// harnesses) builds its services here, from a Config parsed once, and overrides only what it must
// (a test's Firestore and clock, the CLI's quiet logger). Nothing is wired anywhere else, so the
// entry points cannot drift apart.
import { randomUUID } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import type { Config } from './config.ts';
import { systemClock, type Clock } from './clock.ts';
import { createLogger, type Logger } from './logger.ts';
import type { AppDeps } from './app.ts';
import type { RoutePlugin } from './http/route-plugin.ts';
import { createFirestore } from './firestore/create-firestore.ts';
import { createFirestoreEventStore } from './events/firestore-event-store.ts';
import { createFirestorePendingStore } from './events/firestore-pending-store.ts';
import type { PendingStore } from './events/pending-store.ts';
import { createPushAuthenticator } from './ingest/push-auth.ts';
import { createIngest, type IngestOutcome } from './ingest/ingest-message.ts';
import { createBigCommerceClient, type BigCommerceClient } from './bigcommerce/client.ts';
import { createRateLimiterRegistry, type RateLimiterRegistry } from './bigcommerce/rate-limiter.ts';
import { createFirestoreLeases, type LeaseManager } from './category-sync/sync-lease.ts';
import { createCategorySync, type CategorySyncSettings } from './category-sync/sync-store.ts';
import { createSyncScheduler, type SyncScheduler, type SchedulerSettings } from './category-sync/sync-scheduler.ts';
import { taskRoutes } from './category-sync/task-routes.ts';
import { createFullSyncJobs, type FullSyncJobs, type FullSyncJobSettings } from './category-sync/full-sync-job.ts';
import { createFirestoreFullSyncJobs, type JobProgress } from './category-sync/full-sync-job-store.ts';
import { createStoreRunner } from './category-sync/store-runner.ts';
import { loadRuleSetFile, type RuleSet } from './rules/rule-set-schema.ts';
import { createStoreDirectory, type StoreContext, type StoreDirectory } from './stores/store-directory.ts';
import { createStoreRegistry, type StoreRegistry } from './stores/store-registry.ts';
import { createTokenCipher } from './stores/token-cipher.ts';
import { probeStoreToken } from './stores/confirm-uninstall.ts';
import { createStoreRules, type StoreRules } from './stores/store-rules.ts';
import type { SignedPayload } from './stores/app-routes.ts';
import { appApiPlugin } from './app-api/app-api-plugin.ts';
import { createSessionTokens } from './app-api/app-session.ts';
import { loadAppAssets, renderAppShell } from './app-api/app-shell.ts';
import { createFirestoreProductHistory } from './events/firestore-product-history.ts';
import type { ProductHistoryStore } from './events/product-history.ts';
import type { RunContext } from './category-sync/run-context.ts';
import { createActivitySource, createSyncLog, withSyncLog, type SyncLog } from './app-api/activity.ts';
import { createRulesService } from './app-api/rules-service.ts';
import { join } from 'node:path';
import { appRoutes, type OAuthSettings } from './stores/app-routes.ts';
import { desiredWebhooks } from './webhooks/desired-webhooks.ts';
import { createWebhookReconciler, type ReconcileSettings, type WebhookReconciler } from './webhooks/reconcile-webhooks.ts';
import { webhookTaskRoutes } from './webhooks/task-routes.ts';

/** What an entry point may replace; everything else comes from the Config. */
export interface ServiceOverrides {
  /** A Firestore client the caller owns (tests: one project per file). `close()` then leaves it open. */
  db?: Firestore;
  clock?: Clock;
  logger?: Logger;
  /** The BigCommerce transport's fetch (a test's fault injector). */
  fetch?: typeof fetch;
  /** Rules for stores without their own, instead of reading CATEGORY_RULES_FILE. */
  defaultRuleSet?: RuleSet;
  /** Lease owner name (default `${revision}/${uuid}`): tests give two syncers of one store distinct owners. */
  leaseOwner?: string;
  /** Finer than the environment allows (tests run with 0 ms windows and 50 ms retries). */
  settings?: {
    categorySync?: Partial<CategorySyncSettings>;
    scheduler?: Partial<SchedulerSettings>;
    fullSync?: Partial<FullSyncJobSettings>;
    reconcile?: Partial<Omit<ReconcileSettings, 'desired'>>;
  };
}

export type StoreCredentials = Pick<StoreContext, 'storeHash'> & { accessToken: string };

/**
 * One client per store and token, shared by every sync and reconcile in the process: the client
 * holds nothing but settings, and the store's rate limiter (the quota is the store's, not the
 * client's) is shared across tokens too. A new token (reinstall) gets a new client.
 */
export function createClientCache(
  config: Config,
  deps: { clock: Clock; logger: Logger; fetch?: typeof fetch | undefined; limiters?: RateLimiterRegistry },
): (store: StoreCredentials) => BigCommerceClient {
  const limiters = deps.limiters ?? createRateLimiterRegistry({ clock: deps.clock, logger: deps.logger, reserve: config.bigcommerce.rateLimitReserve });
  const clients = new Map<string, BigCommerceClient>();
  return (store) => {
    const key = `${store.storeHash}\n${store.accessToken}`;
    let client = clients.get(key);
    if (!client) {
      client = createBigCommerceClient({
        apiUrl: config.bigcommerce.apiUrl,
        storeHash: store.storeHash,
        accessToken: store.accessToken,
        clock: deps.clock,
        logger: deps.logger,
        requestBudgetMs: config.bigcommerce.requestBudgetMs,
        rateLimiter: limiters.forStore(store.storeHash),
        // GraphQL reports its own (much larger) quota in the same headers: it never feeds the REST limiter.
        graphqlRateLimiter: limiters.forStoreGraphql(store.storeHash),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      clients.set(key, client);
    }
    return client;
  };
}

/** The app-install settings, or undefined (callbacks answer 503) unless client id, secret and key are all set. */
export function oauthSettings(config: Config): OAuthSettings | undefined {
  const { clientId, clientSecret, tokenKeys, appUrl, loginUrl } = config.bigcommerce;
  // loadConfig requires APP_URL whenever a client id is set: BigCommerce requires the redirect_uri.
  if (!clientId || !clientSecret || !tokenKeys || !appUrl) return undefined;
  return { clientId, clientSecret, loginUrl, redirectUri: `${appUrl}/auth` };
}

export function categorySyncSettings(config: Config, override: Partial<CategorySyncSettings> = {}): CategorySyncSettings {
  const f = config.flush;
  return {
    windowMs: f.windowMs,
    maxWaitMs: f.maxWaitMs,
    missingMaxAttempts: f.missingMaxAttempts,
    missingRetryMs: f.missingRetryMs,
    staleToleranceMs: f.staleToleranceMs,
    staleRetryMs: f.staleRetryMs,
    sliceMs: f.sliceMs,
    fetchConcurrency: config.bigcommerce.fetchConcurrency,
    // Strictly under BigCommerce's 2,048-character URL limit.
    maxUrlLength: 2047,
    assignBatchSize: config.bigcommerce.categoryAssignBatchSize,
    ...override,
  };
}

/**
 * Longest a sync run may take before it is presumed hung: its slice (SYNC_SLICE_SECONDS) plus the
 * last chunk, whose few requests may each spend the whole request budget (BC_REQUEST_BUDGET_MS).
 * Past it the scheduler abandons the run and its lease stops renewing (see maxRunMs / maxHoldMs).
 */
export function maxRunMs(config: Config): number {
  return config.flush.sliceMs + 5 * config.bigcommerce.requestBudgetMs;
}

interface Core {
  config: Config;
  clock: Clock;
  logger: Logger;
  db: Firestore;
  directory: StoreDirectory;
  registry: StoreRegistry;
  pending: PendingStore;
  scheduler: SyncScheduler;
  fullSync: FullSyncJobs;
  reconciler: WebhookReconciler | undefined;
  clientFor: (store: StoreCredentials) => BigCommerceClient;
  rateLimiters: RateLimiterRegistry;
  storeRules: StoreRules;
  syncLog: SyncLog;
  /** Per-product history (written by the syncs, read by explain). */
  history: ProductHistoryStore;
}

/**
 * The merchant app (src/app-api): rules editor, preview, explain and activity behind an app session;
 * `openApp` is what /load renders. Off without a client secret (it keys the sessions).
 */
function merchantApp(core: Core): { plugin: RoutePlugin | undefined; openApp: ((p: SignedPayload) => string) | undefined } {
  const { config, clock, logger, db, registry, directory, pending, clientFor, rateLimiters, storeRules, syncLog, history, fullSync } = core;
  const { clientSecret } = config.bigcommerce;
  if (!clientSecret) return { plugin: undefined, openApp: undefined };
  const sessions = createSessionTokens({ clientSecret, nowMs: () => clock.now() });
  // The built bundle: next to dist/main.js in the image, under dist/ when running from src/.
  const assets = [join(import.meta.dirname, 'web'), join(import.meta.dirname, '..', 'dist', 'web')].map(loadAppAssets).find((a) => a !== undefined);
  const plugin = appApiPlugin({
    sessions,
    directory,
    storeRules,
    // Saving or rolling back rules re-syncs the whole catalog: one function, one place.
    rules: createRulesService({ storeRules, startFullSync: (storeHash) => startFullSync(core, storeHash), logger }),
    clientFor,
    activity: createActivitySource({ db, registry, pending, rateLimiters, syncLog, clock, fullSync }),
    history,
    clock,
    logger,
    assets,
  });
  const openApp = (p: SignedPayload) => renderAppShell({ ...sessions.issue({ storeHash: p.storeHash, userId: p.userId, email: p.userEmail }), storeHash: p.storeHash }, assets);
  return { plugin, openApp };
}

/**
 * Starts a store's durable full-sync job (unless one runs) and kicks it off without waiting: timers
 * and sweeps carry it on from its cursor. The one entry point for install, preview/explain and CLI.
 */
export async function startFullSync(core: Pick<Core, 'fullSync' | 'scheduler' | 'logger'>, storeHash: string): Promise<{ started: boolean; progress: JobProgress }> {
  const r = await core.fullSync.start(storeHash);
  core.scheduler.run(storeHash, 'full').catch((err: unknown) => core.logger.error({ storeHash, err }, 'full sync run failed'));
  return r;
}

/** The HTTP edge's pieces: ingest, push auth, the after-store hook and the route groups. */
function httpServices(core: Core) {
  const { config, clock, logger, db, scheduler, registry, reconciler, directory, fullSync } = core;
  const eventStore = createFirestoreEventStore(db);
  const ingest = createIngest({ store: eventStore, clock, dedupeTtlMs: config.push.dedupeTtlHours * 3_600_000, storeBudgetMs: config.push.storeBudgetMs });
  const authenticator = createPushAuthenticator({ mode: config.push.auth, audience: config.push.audience, certsUrl: config.push.certsUrl });

  /** After an event is stored: arm the store's sync timer; complete an uninstall the event recorded. */
  const onStored = (o: Extract<IngestOutcome, { kind: 'stored' }>): void => {
    if (o.productIds.length > 0) scheduler.notify(o.storeHash);
    // Forget the token and drop pending work; a failure here is retried by the webhook reconcile.
    if (o.scope === 'store/app/uninstalled') registry.settleUninstall(o.storeHash).catch((err: unknown) => logger.error({ storeHash: o.storeHash, err }, 'uninstall settle failed'));
  };

  const operatorAccounts = config.push.schedulerServiceAccount ? [config.push.schedulerServiceAccount] : [];
  const merchant = merchantApp(core);
  const routes: RoutePlugin[] = [
    taskRoutes({ scheduler, directory, fullSync, allowedEmails: operatorAccounts, requestBudgetMs: config.flush.fullSyncRequestBudgetMs, now: () => clock.now(), logger }),
    appRoutes({
      oauth: oauthSettings(config),
      registry,
      directory,
      registerWebhooks: (storeHash) => (reconciler ? reconciler.reconcileStore(storeHash) : Promise.resolve({ outcome: 'off', errors: [{ code: 'WEBHOOK_CONFIG_INVALID', message: 'WEBHOOK_TOPIC is not set' }] })),
      firstSync: (storeHash) => startFullSync(core, storeHash),
      rateLimit: { max: config.bigcommerce.callbackRateLimitPerMinute, windowMs: 60_000 },
      frameAncestors: config.bigcommerce.frameAncestors,
      openApp: merchant.openApp,
      clock,
      logger,
    }),
    ...(merchant.plugin ? [merchant.plugin] : []),
    ...(reconciler ? [webhookTaskRoutes({ reconciler, allowedEmails: operatorAccounts })] : []),
  ];

  /** Everything buildApp needs: the server is these services behind HTTP. */
  const app: AppDeps = {
    logger,
    projectId: config.projectId,
    ingest,
    eventStore,
    authenticator,
    pushServiceAccounts: config.push.serviceAccount ? [config.push.serviceAccount] : [],
    operatorServiceAccounts: operatorAccounts,
    maxBodyBytes: config.push.maxBodyBytes,
    onStored,
    statusExtras: async () => ({ flush: scheduler.stats(), fullSync: await fullSync.status() }),
    plugins: routes,
    now: () => clock.now(),
  };
  return { eventStore, ingest, authenticator, onStored, app };
}

/**
 * Every service of the process. The server passes `app` to buildApp; the CLI and tests use the
 * pieces. `close()` stops the scheduler (running syncs finish and release their leases), then
 * Firestore unless the caller passed its own.
 */
export async function createServices(config: Config, overrides: ServiceOverrides = {}) {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ level: config.log.level, projectId: config.projectId, ...(config.log.pretty !== undefined ? { pretty: config.log.pretty } : {}) });
  const settings = overrides.settings ?? {};
  // Everything that can fail on bad input comes before the Firestore client, which would need closing.
  const defaultRuleSet = overrides.defaultRuleSet ?? (config.flush.rulesFile ? await loadRuleSetFile(config.flush.rulesFile) : undefined);
  // Unset WEBHOOK_TOPIC: no webhook reconcile and no registration at install (main warns about it).
  const desired = config.webhooks.topic ? desiredWebhooks({ projectId: config.projectId, topic: config.webhooks.topic, scopes: config.webhooks.scopes }) : undefined;
  const ownsDb = overrides.db === undefined;
  const db = overrides.db ?? createFirestore(config);

  const cipher = config.bigcommerce.tokenKeys ? createTokenCipher(config.bigcommerce.tokenKeys) : undefined;
  const directory: StoreDirectory = createStoreDirectory({ db, singleStore: config.bigcommerce.singleStore, defaultRuleSet, cipher, logger });
  const pending: PendingStore = createFirestorePendingStore(db, clock);
  const rateLimiters = createRateLimiterRegistry({ clock, logger, reserve: config.bigcommerce.rateLimitReserve });
  const clientFor = createClientCache(config, { clock, logger, fetch: overrides.fetch, limiters: rateLimiters });
  // Forgets a store only once BigCommerce refuses its token (a replayed /uninstall or event cannot).
  const registry: StoreRegistry = createStoreRegistry({ db, cipher, pending, logger, probeToken: (storeHash, accessToken) => probeStoreToken(clientFor({ storeHash, accessToken })) });
  const leases: LeaseManager = createFirestoreLeases(db, { owner: overrides.leaseOwner ?? `${config.revision}/${randomUUID()}`, leaseMs: config.flush.leaseMs, maxHoldMs: maxRunMs(config), clock });

  const storeRules = createStoreRules({ db, clock });
  const syncLog = createSyncLog(db);
  const history = createFirestoreProductHistory(db);
  const onLogError = (err: unknown) => logger.warn({ err }, 'sync log write failed');
  // What the pending sync and the full-sync job share: the same records, leases, stores, clients and history.
  const syncDeps = { pending, leases, directory, clientFor, clock, logger, history };
  const baseFullSync: FullSyncJobs = createFullSyncJobs({
    ...syncDeps,
    jobs: createFirestoreFullSyncJobs(db),
    settings: { sliceMs: config.flush.sliceMs, staleToleranceMs: config.flush.staleToleranceMs, maxUrlLength: 2047, ...settings.fullSync },
  });
  // Every slice of a full-sync job that did work lands in the sync log too (mode 'full').
  const loggedSlice = withSyncLog((storeHash: string, _mode?: 'full', ctx?: RunContext) => baseFullSync.runSlice(storeHash, ctx), syncLog, clock, onLogError);
  const fullSync: FullSyncJobs = { ...baseFullSync, runSlice: (storeHash, ctx) => loggedSlice(storeHash, 'full', ctx) };
  const baseSync = createCategorySync({
    ...syncDeps,
    settings: categorySyncSettings(config, settings.categorySync),
    // Paging the whole catalog is cheaper for a bulk change: the job takes over (the scheduler drives it).
    startFullSyncJob: (storeHash) => fullSync.start(storeHash),
  });
  // Every sync's outcome lands in the store's sync log (the app's activity screen).
  const categorySync = { ...baseSync, syncStore: withSyncLog(baseSync.syncStore, syncLog, clock, onLogError) };
  const scheduler: SyncScheduler = createSyncScheduler({
    categorySync: createStoreRunner({ pendingSync: categorySync, jobs: fullSync }),
    jobs: fullSync,
    pending,
    clock,
    logger,
    settings: {
      windowMs: config.flush.windowMs,
      maxWaitMs: config.flush.maxWaitMs,
      timers: config.flush.timers,
      concurrency: config.flush.concurrency,
      maxRunMs: maxRunMs(config),
      ...settings.scheduler,
    },
  });
  const reconcileSettings = desired && { desired, ownClientId: config.bigcommerce.clientId, backfillSilenceMs: config.webhooks.backfillSilenceMs, ...settings.reconcile };
  const reconciler: WebhookReconciler | undefined =
    reconcileSettings && createWebhookReconciler({ directory, registry, pending, clientFor, clock, logger, settings: reconcileSettings, onEnqueued: (storeHash) => scheduler.notify(storeHash) });

  const core: Core = { config, clock, logger, db, directory, registry, pending, scheduler, fullSync, reconciler, clientFor, rateLimiters, storeRules, syncLog, history };
  return {
    ...core,
    categorySync,
    /** `startFullSync(storeHash)`: start (or join) the store's durable full-sync job and kick it off. */
    startFullSync: (storeHash: string) => startFullSync(core, storeHash),
    desired,
    ...httpServices(core),
    close: async (): Promise<void> => {
      await scheduler.stop();
      if (ownsDb) await db.terminate();
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
