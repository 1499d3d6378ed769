import { createHash } from 'node:crypto';
import { isProductDelete, productIdsOf, scopeAction, type ScopeAction } from '../bigcommerce/scopes.ts';
import type { BigCommerceEvent } from '../bigcommerce/webhook-event.ts';

/**
 * What one accepted event changes, decided without touching Firestore. The adapter commits all of it
 * in one atomic batch whose first write is the `create()` of the marker: if the marker exists the
 * whole batch fails with ALREADY_EXISTS, so a duplicate writes nothing and of two concurrent
 * duplicates exactly one wins.
 */
export interface EventPlan {
  marker: Marker;
  /** Products to (re)read at the next flush of this store. */
  pending: PendingTouch[];
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

export interface PendingTouch {
  storeHash: string;
  productId: number;
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

type Handler = (event: BigCommerceEvent, ctx: EventContext) => Pick<EventPlan, 'pending' | 'effects'>;

const touchProducts: Handler = (event, ctx) => ({
  pending: productIdsOf(event).map((productId) => ({
    storeHash: ctx.storeHash,
    productId,
    scope: event.scope,
    deleted: isProductDelete(event.scope),
    seenAtMs: ctx.nowMs,
    eventCreatedAt: event.created_at,
  })),
  effects: [],
});

/** What each scope action writes (the scope -> action table is bigcommerce/scopes.ts). */
function handlerFor(action: ScopeAction): Handler {
  switch (action) {
    case 'touch-products':
      return touchProducts;
    case 'store-uninstalled':
      return (event, ctx) => ({ pending: [], effects: [{ kind: 'store-uninstalled', storeHash: ctx.storeHash, atMs: ctx.nowMs, eventCreatedAt: event.created_at }] });
    case 'record-only':
      return () => ({ pending: [], effects: [] });
  }
}

export function planEventWrites(event: BigCommerceEvent, ctx: EventContext): EventPlan {
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
  if (!action) return { marker, pending: [], effects: [], handled: false };
  return { marker, ...handlerFor(action)(event, ctx), handled: true };
}
