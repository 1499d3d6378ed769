import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { traceBindings, traceIdFromHeaders } from './logger.ts';
import type { EventStore } from './events/event-store.ts';
import type { PushAuthenticator } from './ingest/push-auth.ts';
import { pushRoute, type IngestCounters } from './ingest/push-route.ts';
import type { Ingest, IngestOutcome } from './ingest/ingest-message.ts';
import { sendAuthRefusal } from './http/auth-refusal.ts';
import type { Guard, RoutePlugin } from './http/route-plugin.ts';

/**
 * Time limits of the HTTP server. Cloud Run's own request timeout (terraform `timeout`, 900 s) bounds a
 * request end to end; these bound what a client can hold open inside it.
 *  - `requestMs`: receiving the whole request (headers and body). Pub/Sub and Scheduler send at most
 *    1 MiB from inside Google's network and the app callbacks are GETs, so 10 s is generous; a slower
 *    sender gets 408 and the connection is closed.
 *  - `idleSocketMs`: a socket with no traffic at all. Task handlers may stay silent for up to Cloud
 *    Run's 900 s while they work, so this sits above it (it is not what stops a slow sender).
 */
export interface ServerTimeouts {
  requestMs: number;
  idleSocketMs: number;
}
export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = { requestMs: 10_000, idleSocketMs: 960_000 };

export interface AppDeps {
  logger: FastifyBaseLogger;
  /** Project of the Cloud Trace ids attached to request logs. */
  projectId: string;
  ingest: Ingest;
  eventStore: EventStore;
  authenticator: PushAuthenticator;
  pushServiceAccounts: readonly string[];
  /** Accounts that may read /status and call /tasks/* (Scheduler, operators). */
  operatorServiceAccounts: readonly string[];
  maxBodyBytes: number;
  onStored?: (outcome: Extract<IngestOutcome, { kind: 'stored' }>) => void;
  /** Extra sections of /status (flush state, ...). */
  statusExtras?: () => Promise<Record<string, unknown>>;
  plugins?: RoutePlugin[];
  now?: () => number;
  timeouts?: Partial<ServerTimeouts>;
}

export interface App {
  server: FastifyInstance;
  counters: IngestCounters;
}

/** The HTTP edge. Everything it does is delegated; it owns status codes, auth and logging context. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const counters: IngestCounters = { accepted: 0, duplicate: 0, rejected: 0, unavailable: 0 };
  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...deps.timeouts };
  const server = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.maxBodyBytes,
    return503OnClosing: true,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleSocketMs,
    // Node checks request timeouts on this interval (30 s by default), which would let a slow sender
    // overstay `requestMs` by that much.
    http: { headersTimeout: timeouts.requestMs, connectionsCheckingInterval: Math.min(1_000, timeouts.requestMs) },
    childLoggerFactory: (logger, bindings, opts, raw) => {
      const traceId = traceIdFromHeaders(raw.headers);
      return logger.child(traceId ? { ...bindings, ...traceBindings(deps.projectId, traceId) } : bindings, opts);
    },
  });

  server.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.warn({ code: err.code, message: err.message }, 'request refused');
    return reply.code(status).send({ error: err.code ?? 'error', message: err.message });
  });

  const guard: Guard = (allowed) => async (request, reply) => {
    const auth = await deps.authenticator.authenticate(request.headers, allowed);
    if (auth.ok) return undefined;
    // A reason code only: never the token, its claims or the verifier's message (which embeds them).
    request.log.warn({ reason: auth.reason, status: auth.status, route: request.routeOptions.url, method: request.method }, 'request refused');
    return sendAuthRefusal(reply, auth);
  };

  server.get('/healthz', () => ({ ok: true }));

  server.get('/status', { onRequest: guard([...deps.operatorServiceAccounts, ...deps.pushServiceAccounts]) }, async () => {
    const [pending, dropped, extras] = await Promise.all([deps.eventStore.pendingCounts(), deps.eventStore.droppedStores(), deps.statusExtras?.() ?? {}]);
    return {
      startedAt: new Date(startedAt).toISOString(),
      uptimeSeconds: Math.round((now() - startedAt) / 1000),
      events: { ...counters },
      // Approximate (store index): product events not yet processed, per store with work.
      pending,
      pendingIs: 'approximate count of unprocessed product events per store',
      // Work of uninstalled or unknown stores, dropped at sweep time (records, newest stores first).
      dropped,
      ...extras,
    };
  });

  await server.register(pushRoute, {
    ingest: deps.ingest,
    authenticate: guard(deps.pushServiceAccounts),
    counters,
    maxBodyBytes: deps.maxBodyBytes,
    ...(deps.onStored ? { onStored: deps.onStored } : {}),
  });

  for (const plugin of deps.plugins ?? []) {
    await server.register(async (scope) => plugin(scope, guard));
  }
  return { server, counters };
}
