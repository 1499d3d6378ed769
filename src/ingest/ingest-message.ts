import { AppError, ErrorCode, isAppError } from '../errors.ts';
import type { Clock } from '../clock.ts';
import type { EventStore } from '../events/event-store.ts';
import { layoutWrites, planEventWrites } from '../events/plan-event-writes.ts';
import { parsePushRequest } from './push-envelope.ts';
import { parseBigCommerceEvent } from '../bigcommerce/webhook-event.ts';

/** Everything the push route can conclude about one request. */
export type IngestOutcome =
  | { kind: 'stored'; storeHash: string; scope: string; productIds: readonly number[]; handled: boolean; messageId: string | undefined }
  | { kind: 'duplicate'; storeHash: string; scope: string; messageId: string | undefined }
  | { kind: 'rejected'; reason: string; messageId: string | undefined }
  | { kind: 'unavailable'; error: unknown; messageId: string | undefined };

/**
 * The push status, decided in one place. Pub/Sub acks on 2xx and redelivers anything else, and
 * nacks slow down the whole subscription (push backoff): so a message retrying cannot fix is acked
 * (after it was recorded), and only a transient failure of our own storage asks for redelivery.
 */
export function pushStatus(outcome: IngestOutcome): 204 | 503 {
  switch (outcome.kind) {
    case 'stored':
    case 'duplicate':
    case 'rejected':
      return 204;
    case 'unavailable':
      return 503;
  }
}

export interface IngestDeps {
  store: EventStore;
  clock: Clock;
  dedupeTtlMs: number;
  /** Longest the push path waits for Firestore before answering 503; well inside the ack deadline. */
  storeBudgetMs: number;
  /**
   * The same for an event too large for one commit (tens of thousands of products, stored in chunks):
   * default LARGE_EVENT_BUDGET_MS. When it runs out the push gets 503 and the redelivery resumes from
   * the chunks already stored, so each delivery makes progress.
   */
  largeEventBudgetMs?: number;
  rejectionTtlMs?: number;
}

const SAMPLE_BYTES = 512;
/** Inside the push subscription's 60 s ack deadline (terraform push_ack_deadline_seconds), with room to answer. */
export const LARGE_EVENT_BUDGET_MS = 40_000;

/** Rejects with a retryable AppError when the promise has not settled within `ms`. */
export async function withinBudget<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError(ErrorCode.EVENT_STORE_TIMEOUT, `${what} took longer than ${ms} ms`, { retryable: true })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parse, validate, dedupe and enqueue one push request. Never calls BigCommerce. */
export function createIngest(deps: IngestDeps) {
  const rejectionTtlMs = deps.rejectionTtlMs ?? 7 * 24 * 3_600_000;

  async function reject(reason: string, messageId: string | undefined, data: Buffer): Promise<IngestOutcome> {
    const now = deps.clock.now();
    try {
      await withinBudget(
        deps.store.recordRejection({
          reason,
          messageId,
          sample: data.subarray(0, SAMPLE_BYTES).toString('utf8'),
          receivedAtMs: now,
          expireAtMs: now + rejectionTtlMs,
        }),
        deps.storeBudgetMs,
        'recording a rejection',
      );
    } catch (error) {
      // Not recorded yet: ask for redelivery rather than lose the evidence.
      return { kind: 'unavailable', error, messageId };
    }
    return { kind: 'rejected', reason, messageId };
  }

  return async function ingest(body: Buffer, headers: Record<string, string | string[] | undefined>): Promise<IngestOutcome> {
    const envelope = parsePushRequest(body, headers);
    if (!envelope.ok) return reject(envelope.reason, envelope.messageId, body);
    const { message } = envelope;
    const parsed = parseBigCommerceEvent(message.data);
    if (!parsed.ok) return reject(parsed.reason, message.messageId, message.data);

    const planned = planEventWrites(parsed.event, {
      storeHash: parsed.storeHash,
      hash: parsed.hash,
      messageId: message.messageId,
      publishTime: message.publishTime,
      nowMs: deps.clock.now(),
      dedupeTtlMs: deps.dedupeTtlMs,
    });
    if (!planned.ok) return reject(planned.reason, message.messageId, message.data);
    const { plan } = planned;
    let result: 'stored' | 'duplicate';
    const large = layoutWrites(plan).kind === 'chunked';
    const budgetMs = large ? (deps.largeEventBudgetMs ?? LARGE_EVENT_BUDGET_MS) : deps.storeBudgetMs;
    // Tells a large event to stop issuing chunks once the push has been answered 503.
    const stop = new AbortController();
    try {
      result = await withinBudget(deps.store.record(plan, { signal: stop.signal }), budgetMs, large ? 'recording a large event' : 'recording an event');
    } catch (error) {
      stop.abort();
      // Firestore refused the writes themselves (INVALID_ARGUMENT and kin): every redelivery would
      // fail the same way, so the message is recorded and acked instead of nacked in a loop.
      if (isAppError(error) && !error.retryable) return reject(`event store refused the event: ${error.message}`, message.messageId, message.data);
      return { kind: 'unavailable', error, messageId: message.messageId };
    }
    const base = { storeHash: parsed.storeHash, scope: parsed.event.scope, messageId: message.messageId };
    if (result === 'duplicate') return { kind: 'duplicate', ...base };
    return { kind: 'stored', ...base, productIds: plan.pending?.productIds ?? [], handled: plan.handled };
  };
}

export type Ingest = ReturnType<typeof createIngest>;
