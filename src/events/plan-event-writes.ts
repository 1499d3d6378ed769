import { createHash } from 'node:crypto';
import { isProductDelete, productIdsOf, type BigCommerceEvent } from '../bigcommerce/webhook-event.ts';

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

/** What a scope handler decides: the writes, or why the event cannot be taken (recorded as a rejection). */
type Handler = (event: BigCommerceEvent, ctx: EventContext) => Pick<EventPlan, 'pending' | 'effects'> | { rejected: string };

const touchProducts: Handler = (event, ctx) => {
  const ids = productIdsOf(event);
  if (!ids.ok) return { rejected: ids.reason };
  return {
    pending: ids.ids.map((productId) => ({
      storeHash: ctx.storeHash,
      productId,
      scope: event.scope,
      deleted: isProductDelete(event.scope),
      seenAtMs: ctx.nowMs,
      eventCreatedAt: event.created_at,
    })),
    effects: [],
  };
};

const recordOnly: Handler = () => ({ pending: [], effects: [] });

/** Scope handlers, by exact scope or `prefix/*`. First match wins; order matters only for overlaps. */
export const SCOPE_HANDLERS: readonly [pattern: string, handler: Handler][] = [
  ['store/product/*', touchProducts],
  ['store/sku/*', touchProducts],
  ['store/modifier/updated', touchProducts],
  [
    'store/app/uninstalled',
    (event, ctx) => ({ pending: [], effects: [{ kind: 'store-uninstalled', storeHash: ctx.storeHash, atMs: ctx.nowMs, eventCreatedAt: event.created_at }] }),
  ],
  // Recorded for dedupe and the last-event time; nothing to do for the category rules.
  ['store/category/*', recordOnly],
  ['store/information/updated', recordOnly],
  ['store/channel/*', recordOnly],
];

export function scopeMatches(pattern: string, scope: string): boolean {
  return pattern.endsWith('/*') ? scope.startsWith(pattern.slice(0, -1)) : pattern === scope;
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
  const entry = SCOPE_HANDLERS.find(([pattern]) => scopeMatches(pattern, event.scope));
  if (!entry) return { ok: true, plan: { marker, pending: [], effects: [], handled: false } };
  const decided = entry[1](event, ctx);
  if ('rejected' in decided) return { ok: false, reason: decided.rejected };
  return { ok: true, plan: { marker, ...decided, handled: true } };
}
