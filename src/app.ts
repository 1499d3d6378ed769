import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { traceBindings, traceIdFromHeaders } from './logger.ts';
import type { EventStore } from './events/event-store.ts';
import type { PushAuthenticator } from './ingest/push-auth.ts';
import { pushRoute, type IngestCounters } from './ingest/push-route.ts';
import type { Ingest, IngestOutcome } from './ingest/ingest-message.ts';

/** Extra route groups mounted by the composition root (tasks, app callbacks), kept out of the core. */
export type RoutePlugin = (app: FastifyInstance, guard: Guard) => Promise<void> | void;

/** preHandler that admits only the listed service accounts (per PUSH_AUTH). */
export type Guard = (allowedEmails: readonly string[]) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

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
  const server = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.maxBodyBytes,
    return503OnClosing: true,
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
    const auth = await deps.authenticator.authenticate(request.headers.authorization, allowed);
    if (!auth.ok) {
      request.log.warn({ reason: auth.reason, status: auth.status, url: request.url }, 'request refused');
      await reply.code(auth.status).send({ error: auth.status === 401 ? 'unauthenticated' : 'forbidden', reason: auth.reason });
    }
  };

  server.get('/healthz', () => ({ ok: true }));

  server.get('/status', { preHandler: guard([...deps.operatorServiceAccounts, ...deps.pushServiceAccounts]) }, async () => {
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
    authenticator: deps.authenticator,
    allowedEmails: deps.pushServiceAccounts,
    counters,
    maxBodyBytes: deps.maxBodyBytes,
    ...(deps.onStored ? { onStored: deps.onStored } : {}),
  });

  for (const plugin of deps.plugins ?? []) {
    await server.register(async (scope) => plugin(scope, guard));
  }
  return { server, counters };
}
