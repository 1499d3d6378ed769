import { createHash } from 'node:crypto';
import { isProductDelete, productIdsOf, scopeAction, type ScopeAction } from '../bigcommerce/scopes.ts';
import type { BigCommerceEvent } from '../bigcommerce/webhook-event.ts';

/**
 * What one accepted event changes, decided without touching Firestore. How the adapter commits it
 * depends on its size (`layoutWrites`):
 *  - one commit (almost every event): the `create()` of the marker, the pending records, the store
 *    index and the effects in one atomic batch. If the marker exists the whole batch fails with
 *    ALREADY_EXISTS, so a duplicate writes nothing and of two concurrent duplicates exactly one wins.
 *  - chunked (an event touching more products than one commit may hold, e.g. a shared-modifier
 *    update): see `layoutWrites`.
 */
export interface EventPlan {
  marker: Marker;
  /** Products to (re)read at the next flush of this store; undefined when the event touches none. */
  pending: PendingTouch | undefined;
  /** Side effects on the store record, from the scope handlers. */
  effects: StoreEffect[];
  /** False when no handler knows the scope: acked and logged, never retried. */
  handled: boolean;
}

export interface Marker {
  id: string;
  storeHash: string;
  scope: string;
  hash: string;
  messageId: string | undefined;
  publishTime: string | undefined;
  eventCreatedAt: number | undefined;
  receivedAtMs: number;
  expireAtMs: number;
}

/** One event's touch of its products: the ids plus what every one of their records gets. */
export interface PendingTouch {
  storeHash: string;
  /** Distinct, ascending: a stable order, so a redelivery cuts the same chunks. */
  productIds: readonly number[];
  scope: string;
  /** A delete event was seen: a 404 on the next read is final, not "not readable yet". */
  deleted: boolean;
  seenAtMs: number;
  eventCreatedAt: number | undefined;
}

export type StoreEffect = { kind: 'store-uninstalled'; storeHash: string; atMs: number; eventCreatedAt: number | undefined };

export interface EventContext {
  storeHash: string;
  hash: string;
  messageId: string | undefined;
  publishTime: string | undefined;
  nowMs: number;
  dedupeTtlMs: number;
}

/**
 * Dedupe key: store + scope + hash. The documentation does not say whether one change yields the same
 * hash across scopes (reference §2.6), so scope is part of the key; sha256 spreads the ids evenly
 * (no Firestore hotspot) and keeps them free of `/`.
 */
export function markerId(storeHash: string, scope: string, hash: string): string {
  return createHash('sha256').update(`${storeHash}\n${scope}\n${hash}`).digest('hex');
}

/** What a scope handler decides: the writes, or why the event cannot be taken (recorded as a rejection). */
type Handler = (event: BigCommerceEvent, ctx: EventContext) => Pick<EventPlan, 'pending' | 'effects'> | { rejected: string };

const touchProducts: Handler = (event, ctx) => {
  const ids = productIdsOf(event);
  if (!ids.ok) return { rejected: ids.reason };
  const pending =
    ids.ids.length === 0
      ? undefined
      : { storeHash: ctx.storeHash, productIds: ids.ids, scope: event.scope, deleted: isProductDelete(event.scope), seenAtMs: ctx.nowMs, eventCreatedAt: event.created_at };
  return { pending, effects: [] };
};

/** What each scope action writes (the scope -> action table is bigcommerce/scopes.ts). */
function handlerFor(action: ScopeAction): Handler {
  switch (action) {
    case 'touch-products':
      return touchProducts;
    case 'store-uninstalled':
      return (event, ctx) => ({ pending: undefined, effects: [{ kind: 'store-uninstalled', storeHash: ctx.storeHash, atMs: ctx.nowMs, eventCreatedAt: event.created_at }] });
    case 'record-only':
      // Recorded for dedupe and the last-event time; nothing to do for the category rules.
      return () => ({ pending: undefined, effects: [] });
  }
}

/** The plan, or the reason the event is permanently unusable (acked and recorded, never retried). */
export type EventPlanResult = { ok: true; plan: EventPlan } | { ok: false; reason: string };

export function planEventWrites(event: BigCommerceEvent, ctx: EventContext): EventPlanResult {
  const marker: Marker = {
    id: markerId(ctx.storeHash, event.scope, ctx.hash),
    storeHash: ctx.storeHash,
    scope: event.scope,
    hash: ctx.hash,
    messageId: ctx.messageId,
    publishTime: ctx.publishTime,
    eventCreatedAt: event.created_at,
    receivedAtMs: ctx.nowMs,
    expireAtMs: ctx.nowMs + ctx.dedupeTtlMs,
  };
  const action = scopeAction(event.scope);
  if (!action) return { ok: true, plan: { marker, pending: undefined, effects: [], handled: false } };
  const decided = handlerFor(action)(event, ctx);
  if ('rejected' in decided) return { ok: false, reason: decided.rejected };
  return { ok: true, plan: { marker, ...decided, handled: true } };
}

/**
 * The most writes we put in one commit. Firestore lifted its hard 500-writes limit in 2023, but
 * requests stay bounded in size and time, and 500 keeps every commit (and the memory behind it)
 * small whatever an event carries.
 */
export const MAX_WRITES_PER_COMMIT = 500;
/** A chunk commit holds its pending records plus two writes: the chunk marker and a store-index shard. */
export const PENDING_PER_CHUNK = MAX_WRITES_PER_COMMIT - 2;

export interface Chunk {
  index: number;
  /** Range of `pending.productIds`: [start, end). */
  start: number;
  end: number;
}

export type WriteLayout = { kind: 'one-commit'; writes: number } | { kind: 'chunked'; chunks: Chunk[] };

/**
 * How an event's writes are committed. One commit when marker + pending records + store-index shard +
 * effects fit in MAX_WRITES_PER_COMMIT. Otherwise chunks of PENDING_PER_CHUNK records, then the marker:
 *  - each chunk is one atomic commit that also `create()`s its own chunk marker (event + chunk size +
 *    index) and adds its record count to the store index. A chunk is therefore applied exactly once:
 *    a redelivery, or a concurrent duplicate, finds the chunk marker and skips it; the `events`
 *    counters of records and index are never added twice.
 *  - the event marker is created last, alone with the effects. A crash or a failure midway leaves no
 *    marker, so the redelivery is not taken for a duplicate: it skips the chunks already committed
 *    and writes the rest. Nothing is lost and nothing counted twice.
 * Chunking a sorted id list by a constant size cuts the same chunks on every delivery (the chunk
 * size is part of the chunk marker id, so a deploy changing it cannot mistake one chunk for another).
 */
export function layoutWrites(plan: EventPlan): WriteLayout {
  const products = plan.pending?.productIds.length ?? 0;
  const oneCommit = 1 + products + (products > 0 ? 1 : 0) + plan.effects.length;
  if (oneCommit <= MAX_WRITES_PER_COMMIT) return { kind: 'one-commit', writes: oneCommit };
  const chunks: Chunk[] = [];
  for (let start = 0, index = 0; start < products; start += PENDING_PER_CHUNK, index++) {
    chunks.push({ index, start, end: Math.min(products, start + PENDING_PER_CHUNK) });
  }
  return { kind: 'chunked', chunks };
}

/** Id of one chunk's marker: the event's marker id, the chunk size and the chunk's index. */
export const chunkMarkerId = (eventMarkerId: string, chunk: Pick<Chunk, 'index'>) => `${eventMarkerId}-${PENDING_PER_CHUNK}-${chunk.index}`;
