// Builders for BigCommerce webhook bodies and Pub/Sub push requests, as production sends them.
import { createHash } from 'node:crypto';
import type { EventBody } from '../../src/sandbox/index.ts';

/** The documented webhook body (reference §2.1), as the sandbox also publishes it. */
export type WebhookBody = EventBody;

let seq = 0;
export function webhook(storeHash: string, scope: string, data: Record<string, unknown>, overrides: Partial<WebhookBody> = {}): WebhookBody {
  seq++;
  const created_at = overrides.created_at ?? 1_760_000_000 + seq;
  return {
    scope,
    store_id: '1001',
    producer: `stores/${storeHash}`,
    hash: createHash('sha1').update(`${storeHash}|${scope}|${JSON.stringify(data)}|${created_at}|${seq}`).digest('hex'),
    created_at,
    data,
    ...overrides,
  };
}

export const productEvent = (storeHash: string, id: number, action: 'created' | 'updated' | 'deleted' = 'updated') =>
  webhook(storeHash, `store/product/${action}`, { type: 'product', id });

let messageSeq = 0;
export function wrappedPush(data: unknown, opts: { messageId?: string; raw?: string; deliveryAttempt?: number } = {}) {
  messageSeq++;
  const messageId = opts.messageId ?? `m-${process.pid}-${messageSeq}`;
  const bytes = opts.raw ?? JSON.stringify(data);
  return {
    message: {
      data: Buffer.from(bytes).toString('base64'),
      attributes: {},
      messageId,
      message_id: messageId,
      publishTime: new Date().toISOString(),
      publish_time: new Date().toISOString(),
    },
    subscription: 'projects/demo/subscriptions/push',
    ...(opts.deliveryAttempt !== undefined ? { deliveryAttempt: opts.deliveryAttempt } : {}),
  };
}
