// Every GraphQL operation the service sends, validated against the Admin API SDL
// (src/sandbox/admin-schema.graphql) and executed by graphql-js with canned resolvers: a selection
// the schema rejects, or variables it cannot coerce, fail here instead of in production.
import { graphql, parse, validate, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { BigCommerceClient, GraphqlResponse } from '../../../src/bigcommerce/client.ts';
import { isAppError } from '../../../src/errors.ts';
import { adminSchema } from '../../../src/sandbox/admin-schema.ts';
import {
  CREATE_PUBSUB_WEBHOOK_MUTATION,
  createWebhooksApi,
  deleteWebhookMutation,
  LIST_WEBHOOKS_QUERY,
  UPDATE_PUBSUB_WEBHOOK_MUTATION,
} from '../../../src/bigcommerce/webhooks.ts';

const TOPIC = 'projects/p1/topics/bc';
const hook = (n: number, extra: Record<string, unknown> = {}) => ({
  __typename: 'PubSubWebhook',
  id: `bc/store/webhook/${n}`,
  scope: 'store/product/*',
  destination: TOPIC,
  status: 'ACTIVE',
  isActive: true,
  clientId: 'client-a',
  createdAt: '2025-02-19T16:05:22Z',
  updatedAt: '2025-02-19T16:05:22Z',
  ...extra,
});

const messages = (query: string) => validate(adminSchema(), parse(query)).map((e) => e.message);

/** A client whose graphql() runs the document through graphql-js on the SDL with `root` as resolvers. */
function schemaClient(root: Record<string, unknown>) {
  const sent: { query: string; variables: Record<string, unknown> | undefined; result: ExecutionResult }[] = [];
  const client = {
    storeHash: 'abc',
    async graphql<T>(query: string, variables?: Record<string, unknown>): Promise<GraphqlResponse<T>> {
      const result = await graphql({ schema: adminSchema(), source: query, variableValues: variables ?? null, rootValue: root });
      sent.push({ query, variables, result });
      return JSON.parse(JSON.stringify(result)) as GraphqlResponse<T>;
    },
  } as unknown as BigCommerceClient;
  return { client, sent };
}

describe('the service operations validate against the Admin API SDL', () => {
  it.each([
    ['list', LIST_WEBHOOKS_QUERY],
    ['create', CREATE_PUBSUB_WEBHOOK_MUTATION],
    ['update', UPDATE_PUBSUB_WEBHOOK_MUTATION],
    ['delete', deleteWebhookMutation('bc/store/webhook/7')],
  ])('%s', (_op, query) => {
    expect(messages(query)).toEqual([]);
  });

  it('the SDL rejects what issue #9 found: a fragment on HttpsWebhook inside the create result, and the old delete form', () => {
    const oldCreate = CREATE_PUBSUB_WEBHOOK_MUTATION.replace('webhook { id scope', 'webhook { ... on HttpsWebhook { destination } id scope');
    expect(messages(oldCreate)).toEqual(['Fragment cannot be spread here as objects of type "PubSubWebhook" can never be of type "HttpsWebhook".']);
    expect(messages('mutation { webhook { deleteWebhook(input: { id: "bc/store/webhook/1" }) { deletedWebhookId } } }')).toEqual([
      'Unknown argument "input" on field "WebhookMutations.deleteWebhook".',
      'Cannot query field "deletedWebhookId" on type "DeleteWebhookResult".',
      'Field "deleteWebhook" argument "id" of type "ID!" is required, but it was not provided.',
    ]);
    // destination is not on the Webhook interface: the listing must reach it through fragments.
    expect(messages('{ store { webhooks { edges { node { id destination } } } } }')).toEqual(['Cannot query field "destination" on type "Webhook". Did you mean to use an inline fragment on "HttpsWebhook" or "PubSubWebhook"?']);
  });
});

describe('createWebhooksApi executed on the SDL', () => {
  it('list: pages with $cursor, reads destination/clientId from the PubSubWebhook fragment and activity from status', async () => {
    const pages = [
      { pageInfo: { hasNextPage: true, endCursor: 'c1' }, edges: [{ node: hook(1) }] },
      { pageInfo: { hasNextPage: false, endCursor: 'c2' }, edges: [{ node: hook(2, { status: 'DEACTIVATED', isActive: false }) }] },
    ];
    const { client, sent } = schemaClient({ store: { webhooks: (a: { after?: string }) => pages[a.after === 'c1' ? 1 : 0] } });
    const hooks = await createWebhooksApi(client).list();
    expect(sent.map((s) => s.variables)).toEqual([{}, { cursor: 'c1' }]);
    expect(sent.every((s) => s.result.errors === undefined)).toBe(true);
    expect(hooks).toEqual([
      { id: 'bc/store/webhook/1', scope: 'store/product/*', destination: TOPIC, isActive: undefined, status: 'ACTIVE', clientId: 'client-a', createdAt: '2025-02-19T16:05:22Z' },
      { id: 'bc/store/webhook/2', scope: 'store/product/*', destination: TOPIC, isActive: undefined, status: 'DEACTIVATED', clientId: 'client-a', createdAt: '2025-02-19T16:05:22Z' },
    ]);
  });

  it('create: sends the documented input and maps the documented error members', async () => {
    let input: unknown;
    const ok = schemaClient({ webhook: { createPubSubWebhook: (a: { input: unknown }) => ((input = a.input), { webhook: hook(3), errors: [] }) } });
    await expect(createWebhooksApi(ok.client).create({ scope: 'store/product/*', destination: TOPIC })).resolves.toMatchObject({ id: 'bc/store/webhook/3', destination: TOPIC });
    expect(input).toEqual({ scope: 'store/product/*', destination: TOPIC, isActive: true });

    const missing = schemaClient({
      webhook: { createPubSubWebhook: () => ({ webhook: null, errors: [{ __typename: 'PubSubTopicNotFoundError', topic: TOPIC, message: `Google topic '${TOPIC}' doesn't exist` }] }) },
    });
    await expect(createWebhooksApi(missing.client).create({ scope: 'store/product/*', destination: TOPIC })).rejects.toMatchObject({ code: 'WEBHOOK_TOPIC_NOT_FOUND' });

    // The permission error's type is not selected by a fragment (its name is unpublished): the
    // service still recognises it by __typename.
    const denied = schemaClient({ webhook: { createPubSubWebhook: () => ({ webhook: null, errors: [{ __typename: 'PubSubPermissionError', topic: TOPIC, message: 'x' }] }) } });
    await expect(createWebhooksApi(denied.client).create({ scope: 'store/product/*', destination: TOPIC })).rejects.toMatchObject({ code: 'WEBHOOK_TOPIC_PERMISSION' });
    expect(denied.sent[0]?.result.data).toEqual({ webhook: { createPubSubWebhook: { webhook: null, errors: [{ __typename: 'PubSubPermissionError' }] } } });
  });

  it('update (reactivate): input { id, data: { isActive: true } }; scope and destination come from the call', async () => {
    let input: unknown;
    const { client } = schemaClient({ webhook: { updatePubSubWebhook: (a: { input: unknown }) => ((input = a.input), { webhook: hook(4), errors: [] }) } });
    await expect(createWebhooksApi(client).reactivate('bc/store/webhook/4', { scope: 'store/sku/*', destination: TOPIC })).resolves.toMatchObject({
      id: 'bc/store/webhook/4',
      scope: 'store/sku/*',
      destination: TOPIC,
      status: 'ACTIVE',
    });
    expect(input).toEqual({ id: 'bc/store/webhook/4', data: { isActive: true } });
  });

  it('delete: the published form; a field error saying "not found" is WEBHOOK_NOT_FOUND, a refused query is not', async () => {
    let id: unknown;
    const ok = schemaClient({ webhook: { deleteWebhook: (a: { id: string }) => ((id = a.id), { id: a.id }) } });
    await createWebhooksApi(ok.client).delete('bc/store/webhook/5');
    expect(id).toBe('bc/store/webhook/5');

    const gone = schemaClient({
      webhook: {
        deleteWebhook: () => {
          throw new Error('Webhook with id [5] not found');
        },
      },
    });
    await expect(createWebhooksApi(gone.client).delete('bc/store/webhook/5')).rejects.toMatchObject({ code: 'WEBHOOK_NOT_FOUND' });

    const internal = schemaClient({
      webhook: {
        deleteWebhook: () => {
          throw new Error('Internal error, please retry later.');
        },
      },
    });
    await expect(createWebhooksApi(internal.client).delete('bc/store/webhook/5')).rejects.toMatchObject({ code: 'WEBHOOK_GRAPHQL_ERROR' });

    const err = await createWebhooksApi(ok.client)
      .delete('5") { id } } } mutation X { webhook { deleteWebhook(id: "6')
      .catch((e: unknown) => e);
    expect(isAppError(err, 'WEBHOOK_INVALID')).toBe(true);
  });
});
