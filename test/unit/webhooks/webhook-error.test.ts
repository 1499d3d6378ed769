import { describe, expect, it } from 'vitest';
import { webhookError, BIGCOMMERCE_PUBLISHER } from '../../../src/webhooks/webhooks-api.ts';
import { bcDate, modifiedSincePath } from '../../../src/webhooks/modified-product-ids.ts';

const TOPIC = 'projects/p1/topics/bc';
const ctx = { storeHash: 'abc', operation: 'create' as const, scope: 'store/product/*', destination: TOPIC };

describe('webhookError (the documented error union -> actionable AppErrors)', () => {
  it.each([
    [{ __typename: 'AlreadyExistsError', message: 'exists' }, 'WEBHOOK_ALREADY_EXISTS', false, /already exists/],
    [{ __typename: 'ValidationError', message: 'Invalid scope' }, 'WEBHOOK_INVALID', false, /Invalid scope - check WEBHOOK_SCOPES and WEBHOOK_TOPIC/],
    [{ __typename: 'PubSubTopicNotFoundError', topic: TOPIC, message: `Google topic '${TOPIC}' doesn't exist` }, 'WEBHOOK_TOPIC_NOT_FOUND', false, /projects\/p1\/topics\/bc does not exist.*terraform/],
    [{ __typename: 'PubSubPermissionError', topic: TOPIC, message: `Publisher permissions not granted for '${TOPIC}'` }, 'WEBHOOK_TOPIC_PERMISSION', false, /roles\/pubsub\.publisher/],
    // The permission error's type name is undocumented: recognised by its documented message too.
    [{ __typename: 'SomeFutureError', message: `Publisher permissions not granted for '${TOPIC}'` }, 'WEBHOOK_TOPIC_PERMISSION', false, new RegExp(BIGCOMMERCE_PUBLISHER.replace(/\./g, '\\.'))],
    [{ __typename: 'NotFoundError', message: 'Webhook with id [3] not found' }, 'WEBHOOK_NOT_FOUND', false, /not found/],
    [{ __typename: 'InternalError', message: 'boom' }, 'WEBHOOK_API_ERROR', true, /InternalError boom/],
    [{}, 'WEBHOOK_API_ERROR', true, /UnknownError/],
  ])('%o -> %s', (item, code, retryable, message) => {
    const e = webhookError(item, ctx);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
    expect(e.message).toMatch(message);
    expect(e.details).toMatchObject({ storeHash: 'abc', operation: 'create' });
  });

  it('the permission message names the topic and the gcloud command', () => {
    const e = webhookError({ __typename: 'PubSubPermissionError', topic: TOPIC, message: 'Publisher permissions not granted' }, ctx);
    expect(e.message).toContain(`gcloud pubsub topics add-iam-policy-binding ${TOPIC} --member=serviceAccount:${BIGCOMMERCE_PUBLISHER} --role=roles/pubsub.publisher`);
  });
});

describe('backfill listing path', () => {
  it('dates are BigCommerce-style, floored to the second', () => {
    expect(bcDate(Date.UTC(2025, 0, 2, 3, 4, 5, 999))).toBe('2025-01-02T03:04:05+00:00');
  });
  it('keyset pagination by id with the literal filter names', () => {
    expect(modifiedSincePath(Date.UTC(2025, 0, 2, 3, 4, 5), 250)).toBe(
      '/v3/catalog/products?date_modified:min=2025-01-02T03%3A04%3A05%2B00%3A00&id:greater=250&sort=id&direction=asc&limit=250&include_fields=date_modified',
    );
  });
});
