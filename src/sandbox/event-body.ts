import { createHash } from 'node:crypto';
import type { EventBody } from './types.ts';

/**
 * Does a webhook scope cover an event scope? `store/product/*` covers every event below
 * store/product/ (created, updated, inventory/updated, metafield/...), as BigCommerce documents.
 */
export function scopeMatches(hookScope: string, eventScope: string): boolean {
  if (hookScope === eventScope) return true;
  if (hookScope.endsWith('/*')) return eventScope.startsWith(hookScope.slice(0, -1));
  return false;
}

/**
 * A BigCommerce-shaped event body. The real `hash` input is undocumented (reference §2.6); ours is
 * SHA-1 over scope + data + created_at + a per-store change counter, so two different changes never
 * share a hash while a duplicated delivery of the same event keeps it.
 */
export function buildEventBody(p: { scope: string; storeId: string; storeHash: string; createdAtSeconds: number; data: Record<string, unknown>; counter: number }): EventBody {
  const hash = createHash('sha1')
    .update(`${p.scope}|${JSON.stringify(p.data)}|${p.createdAtSeconds}|${p.counter}`)
    .digest('hex');
  return {
    scope: p.scope,
    store_id: p.storeId,
    producer: `stores/${p.storeHash}`,
    hash,
    created_at: p.createdAtSeconds,
    data: p.data,
  };
}

/** A stable numeric store id (string of digits) for a hash, when the test does not pick one. */
export function storeIdFor(hash: string): string {
  const n = parseInt(createHash('sha1').update(hash).digest('hex').slice(0, 8), 16);
  return String(1_000_000 + (n % 9_000_000));
}

/** `projects/{project}/topics/{topic}` with Pub/Sub's topic-name rules. */
export const TOPIC_NAME_RE = /^projects\/[A-Za-z0-9._:-]+\/topics\/[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/;
export const SCOPE_RE = /^store\/[A-Za-z0-9_{}]+(\/[A-Za-z0-9_{}]+)*(\/\*)?$/;
