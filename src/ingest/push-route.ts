import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { pushStatus, type Ingest, type IngestOutcome } from './ingest-message.ts';

export interface IngestCounters {
  accepted: number;
  duplicate: number;
  rejected: number;
  unavailable: number;
}

export interface PushRouteOptions {
  ingest: Ingest;
  /** The app's guard for the push account, run as `onRequest`: before a byte of the body is read. */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  counters: IngestCounters;
  maxBodyBytes: number;
  /** Called after an event was stored (the in-process debounce timers listen here). */
  onStored?: (outcome: Extract<IngestOutcome, { kind: 'stored' }>) => void;
}

/**
 * `POST /pubsub/push`. Takes the body as raw bytes whatever its content type, because the unwrapped
 * (no_wrapper) form arrives with the sender's content type (the emulator says
 * x-www-form-urlencoded) and must not be turned away with a 415.
 */
export const pushRoute: FastifyPluginAsync<PushRouteOptions> = (app: FastifyInstance, opts) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.post('/pubsub/push', { bodyLimit: opts.maxBodyBytes, onRequest: opts.authenticate }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const outcome = await opts.ingest(body, request.headers);
    logOutcome(request.log, outcome);
    switch (outcome.kind) {
      case 'stored':
        opts.counters.accepted++;
        opts.onStored?.(outcome);
        break;
      case 'duplicate':
        opts.counters.duplicate++;
        break;
      case 'rejected':
        opts.counters.rejected++;
        break;
      case 'unavailable':
        opts.counters.unavailable++;
        break;
    }
    const status = pushStatus(outcome);
    return status === 204 ? reply.code(204).send() : reply.code(status).send({ error: 'unavailable', retry: true });
  });
  return Promise.resolve();
};

const LOGGED_IDS = 20;

function logOutcome(log: FastifyInstance['log'], o: IngestOutcome): void {
  switch (o.kind) {
    case 'stored':
      if (!o.handled) log.info({ storeHash: o.storeHash, scope: o.scope, messageId: o.messageId }, 'event scope not handled');
      // A modifier event may carry ~500k ids: the count, and the first ones as a sample.
      else log.debug({ storeHash: o.storeHash, scope: o.scope, products: o.productIds.length, productIds: o.productIds.slice(0, LOGGED_IDS), messageId: o.messageId }, 'event stored');
      return;
    case 'duplicate':
      log.debug({ storeHash: o.storeHash, scope: o.scope, messageId: o.messageId }, 'event duplicate');
      return;
    case 'rejected':
      log.error({ reason: o.reason, messageId: o.messageId }, 'event rejected');
      return;
    case 'unavailable':
      log.warn({ err: o.error, messageId: o.messageId }, 'event store unavailable');
      return;
  }
}
