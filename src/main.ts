// Composition root: the only place that reads configuration and builds real clients.
import { loadConfig, ConfigError } from './config.ts';
import { createLogger } from './logger.ts';
import { systemClock } from './clock.ts';
import { createFirestore } from './firestore/create-firestore.ts';
import { createFirestoreEventStore } from './events/firestore-event-store.ts';
import { createPushAuthenticator } from './ingest/push-auth.ts';
import { createIngest } from './ingest/ingest-message.ts';
import { buildApp } from './app.ts';
import { createFirestorePendingStore } from './events/firestore-pending-store.ts';
import { createFirestoreLeases } from './category-sync/sync-lease.ts';
import { createFlusher } from './category-sync/sync-store.ts';
import { createFlushScheduler } from './category-sync/sync-scheduler.ts';
import { taskRoutes } from './category-sync/task-routes.ts';
import { createStoreDirectory } from './stores/store-directory.ts';
import { createTokenCipher } from './stores/token-cipher.ts';
import { createBigCommerceClient, type BigCommerceClient } from './bigcommerce/client.ts';
import { createRateLimiterRegistry } from './bigcommerce/rate-limiter.ts';
import { loadRuleSetFile } from './rules/rule-set-schema.ts';
import { createStoreRegistry } from './stores/store-registry.ts';
import { appRoutes } from './stores/app-routes.ts';
import { desiredWebhooks } from './webhooks/desired-webhooks.ts';
import { createWebhookReconciler } from './webhooks/reconcile-webhooks.ts';
import { webhookTaskRoutes } from './webhooks/task-routes.ts';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createStoreRules } from './stores/store-rules.ts';
import { appApiPlugin } from './app-api/app-api-plugin.ts';
import { createSessionTokens } from './app-api/app-session.ts';
import { loadAppAssets, renderAppShell } from './app-api/app-shell.ts';
import { createActivitySource, createSyncLog, withSyncLog } from './app-api/activity.ts';
import { createRulesService } from './app-api/rules-service.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger({ level: config.log.level, projectId: config.projectId, ...(config.log.pretty !== undefined ? { pretty: config.log.pretty } : {}) });
  if (config.push.auth === 'none') {
    logger.warn('PUSH_AUTH=none: /pubsub/push, /status and /tasks accept unauthenticated requests. Local development only - never deploy this.');
  }

  const db = createFirestore(config);
  const eventStore = createFirestoreEventStore(db);
  const authenticator = createPushAuthenticator({ mode: config.push.auth, audience: config.push.audience, certsUrl: config.push.certsUrl });
  const ingest = createIngest({
    store: eventStore,
    clock: systemClock,
    dedupeTtlMs: config.push.dedupeTtlHours * 3_600_000,
    storeBudgetMs: config.push.storeBudgetMs,
  });
  const pushAccounts = config.push.serviceAccount ? [config.push.serviceAccount] : [];
  const operatorAccounts = config.push.schedulerServiceAccount ? [config.push.schedulerServiceAccount] : [];

  const defaultRuleSet = config.flush.rulesFile ? await loadRuleSetFile(config.flush.rulesFile) : undefined;
  const cipher = config.bigcommerce.tokenEncryptionKey ? createTokenCipher(config.bigcommerce.tokenEncryptionKey) : undefined;
  const directory = createStoreDirectory({ db, singleStore: config.bigcommerce.singleStore, defaultRuleSet, cipher, logger });
  const pending = createFirestorePendingStore(db, systemClock);
  const rateLimiters = createRateLimiterRegistry({ clock: systemClock, logger, reserve: config.bigcommerce.rateLimitReserve });
  const clients = new Map<string, BigCommerceClient>();
  const clientFor = (store: { storeHash: string; accessToken: string }) => {
    const key = `${store.storeHash}\n${store.accessToken}`;
    let client = clients.get(key);
    if (!client) {
      client = createBigCommerceClient({
        apiUrl: config.bigcommerce.apiUrl,
        storeHash: store.storeHash,
        accessToken: store.accessToken,
        clock: systemClock,
        logger,
        requestBudgetMs: config.bigcommerce.requestBudgetMs,
        rateLimiter: rateLimiters.forStore(store.storeHash),
      });
      clients.set(key, client);
    }
    return client;
  };
  // Every sync lands in the store's sync log (the app's activity screen).
  const syncLog = createSyncLog(db);
  const baseFlusher = createFlusher({
    pending,
    leases: createFirestoreLeases(db, { owner: `${config.revision}/${randomUUID()}`, leaseMs: config.flush.leaseMs, clock: systemClock }),
    directory,
    clientFor,
    clock: systemClock,
    logger,
    settings: {
      windowMs: config.flush.windowMs,
      maxWaitMs: config.flush.maxWaitMs,
      missingMaxAttempts: config.flush.missingMaxAttempts,
      missingRetryMs: config.flush.missingRetryMs,
      staleToleranceMs: config.flush.staleToleranceMs,
      fetchConcurrency: config.bigcommerce.fetchConcurrency,
      maxUrlLength: 2047,
    },
  });
  const flusher = { ...baseFlusher, flushStore: withSyncLog(baseFlusher.flushStore, syncLog, systemClock, (err) => logger.warn({ err }, 'sync log write failed')) };
  const scheduler = createFlushScheduler({
    flusher,
    pending,
    clock: systemClock,
    logger,
    settings: { windowMs: config.flush.windowMs, maxWaitMs: config.flush.maxWaitMs, timers: config.flush.timers },
  });

  // Lifecycle: store registry, webhook reconcile + gap backfill, app install callbacks.
  const registry = createStoreRegistry({ db, cipher, pending, logger });
  const reconciler = config.webhooks.topic
    ? createWebhookReconciler({
        directory,
        registry,
        pending,
        clientFor,
        clock: systemClock,
        logger,
        settings: { desired: desiredWebhooks({ projectId: config.projectId, topic: config.webhooks.topic, scopes: config.webhooks.scopes }), ownClientId: config.bigcommerce.clientId, backfillSilenceMs: config.webhooks.backfillSilenceMs },
        onEnqueued: (storeHash) => scheduler.notify(storeHash),
      })
    : undefined;
  if (!reconciler) logger.warn('WEBHOOK_TOPIC is not set: webhook reconcile and install-time webhook registration are off');
  const { clientId, clientSecret } = config.bigcommerce;
  const oauth = clientId && clientSecret && cipher ? { clientId, clientSecret, loginUrl: config.bigcommerce.loginUrl, redirectUri: config.bigcommerce.appUrl ? `${config.bigcommerce.appUrl}/auth` : undefined } : undefined;
  // ---- The merchant app (src/app-api): rules editor, preview, explain, activity; /load opens it. ----
  const storeRules = createStoreRules({ db, clock: systemClock });
  const appSessions = clientSecret ? createSessionTokens({ clientSecret, nowMs: () => systemClock.now() }) : undefined;
  const appAssets = [join(import.meta.dirname, 'web'), join(import.meta.dirname, '..', 'dist', 'web')].map(loadAppAssets).find((a) => a !== undefined);
  const appApi = appSessions
    ? appApiPlugin({
        sessions: appSessions,
        directory,
        storeRules,
        // Replaced by the resumable chunked sync job when it lands: one function, one place.
        rules: createRulesService({ storeRules, startFullSync: (storeHash) => scheduler.run(storeHash, 'full'), logger }),
        clientFor,
        activity: createActivitySource({ db, registry, pending, rateLimiters, syncLog, clock: systemClock }),
        clock: systemClock,
        logger,
        assets: appAssets,
      })
    : undefined;
  const openApp = appSessions
    ? (p: { storeHash: string; userId: number | undefined; userEmail: string | undefined }) =>
        renderAppShell({ ...appSessions.issue({ storeHash: p.storeHash, userId: p.userId, email: p.userEmail }), storeHash: p.storeHash }, appAssets)
    : undefined;
  // ---- end of the merchant app ----

  const lifecyclePlugins = [
    appRoutes({
      oauth,
      registry,
      directory,
      registerWebhooks: (storeHash) => (reconciler ? reconciler.reconcileStore(storeHash) : Promise.resolve({ outcome: 'off', errors: [{ code: 'WEBHOOK_CONFIG_INVALID', message: 'WEBHOOK_TOPIC is not set' }] })),
      firstSync: (storeHash) => scheduler.run(storeHash, 'full'),
      clock: systemClock,
      logger,
      openApp,
    }),
    ...(appApi ? [appApi] : []),
    ...(reconciler ? [webhookTaskRoutes({ reconciler, allowedEmails: operatorAccounts })] : []),
  ];

  const { server } = await buildApp({
    logger,
    projectId: config.projectId,
    ingest,
    eventStore,
    authenticator,
    pushServiceAccounts: pushAccounts,
    operatorServiceAccounts: operatorAccounts,
    maxBodyBytes: config.push.maxBodyBytes,
    onStored: (o) => {
      if (o.productIds.length > 0) scheduler.notify(o.storeHash);
      // Completes the uninstall the event recorded: forget the token, drop pending (reconcile retries it).
      if (o.scope === 'store/app/uninstalled') registry.settleUninstall(o.storeHash).catch((err: unknown) => logger.error({ storeHash: o.storeHash, err }, 'uninstall settle failed'));
    },
    statusExtras: () => Promise.resolve({ flush: scheduler.stats() }),
    plugins: [taskRoutes({ scheduler, directory, allowedEmails: operatorAccounts }), ...lifecyclePlugins],
  });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    // Cloud Run sends SIGKILL ~10 s after SIGTERM: stop taking requests, let in-flight ones finish.
    const force = setTimeout(() => process.exit(1), 9_000);
    force.unref();
    server
      .close()
      .then(() => scheduler.stop())
      .then(() => db.terminate())
      .then(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const address = await server.listen({ port: config.port, host: config.host });
  logger.info({ address, pushAuth: config.push.auth, projectId: config.projectId }, 'listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
