import { describe, expect, it } from 'vitest';
import { webhookError, BIGCOMMERCE_PUBLISHER } from '../../../src/bigcommerce/webhooks.ts';

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
