// GraphQL Admin webhook operations of the sandbox (reference §3.2), executed by graphql-js against
// src/sandbox/admin-schema.graphql: create/list/update/delete with every documented error against
// the Pub/Sub emulator, and documents the schema rejects answered with GraphQL's own errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { pubsubTopic, storeApi } from './sandbox-helpers.ts';

const PROJECT = 'demo-sandbox-graphql';
let sandbox: Sandbox;
let n = 0;
const topics: Awaited<ReturnType<typeof pubsubTopic>>[] = [];

async function topic() {
  const t = await pubsubTopic(PROJECT, `gql-${++n}-${Date.now()}`);
  topics.push(t);
  return t;
}
function freshStore(opts: { topicsWithoutPermission?: string[] } = {}) {
  const hash = `gql${++n}`;
  const store = sandbox.createStore({ hash, accessToken: `tok-${hash}`, ...opts });
  store.seedProducts(3);
  return { store, hash, api: storeApi(sandbox.url, hash, `tok-${hash}`) };
}

const CREATE = `
  mutation Create($input: CreatePubSubWebhookInput!) {
    webhook {
      createPubSubWebhook(input: $input) {
        webhook { id scope destination status isActive clientId createdAt updatedAt }
        errors {
          __typename
          ... on AlreadyExistsError { message }
          ... on ValidationError { message }
          ... on PubSubTopicNotFoundError { topic message }
          ... on PubSubPermissionError { topic message }
        }
      }
    }
  }`;
const LIST = `
  query List($first: Int, $after: String) {
    store {
      webhooks(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id scope status ... on PubSubWebhook { destination clientId isActive } } }
      }
    }
  }`;
const UPDATE = `
  mutation ($id: ID!, $isActive: Boolean) {
    webhook { updatePubSubWebhook(input: { id: $id, data: { isActive: $isActive } }) {
      webhook { id status isActive scope } errors { __typename ... on Error { message } }
    } }
  }`;

beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT } });
});
afterAll(async () => {
  await sandbox.close();
  await Promise.all(topics.map((t) => t.close()));
});

describe('webhook mutations and listing', () => {
  it('create -> list -> update -> delete, with GraphQL-shaped results', async () => {
    const t = await topic();
    const { api } = freshStore();
    const created = await api.graphql(CREATE, { input: { destination: t.name, isActive: true, scope: 'store/product/*' } });
    expect(created.status).toBe(200);
    const result = created.body.data.webhook.createPubSubWebhook;
    expect(result.errors).toEqual([]);
    expect(result.webhook).toMatchObject({ id: 'bc/store/webhook/1', scope: 'store/product/*', destination: t.name, status: 'ACTIVE', isActive: true, clientId: sandbox.clientId });
    expect(result.webhook.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const listed = await api.graphql(LIST);
    expect(listed.body.data.store.webhooks.edges).toEqual([
      { cursor: expect.any(String), node: { id: 'bc/store/webhook/1', scope: 'store/product/*', status: 'ACTIVE', isActive: true, destination: t.name, clientId: sandbox.clientId } },
    ]);

    const updated = await api.graphql(UPDATE, { id: 'bc/store/webhook/1', isActive: false });
    expect(updated.body.data.webhook.updatePubSubWebhook).toEqual({ webhook: { id: 'bc/store/webhook/1', status: 'INACTIVE', isActive: false, scope: 'store/product/*' }, errors: [] });
    const reactivated = await api.graphql(UPDATE, { id: 'bc/store/webhook/1', isActive: true });
    expect(reactivated.body.data.webhook.updatePubSubWebhook.webhook).toMatchObject({ isActive: true, status: 'ACTIVE', scope: 'store/product/*' });

    const deleted = await api.graphql('mutation { webhook { deleteWebhook(id: "bc/store/webhook/1") { id } } }');
    expect(deleted.body).toEqual({ data: { webhook: { deleteWebhook: { id: 'bc/store/webhook/1' } } } });
    expect((await api.graphql(LIST)).body.data.store.webhooks.edges).toEqual([]);
  });

  it('deleteWebhook of an unknown id is a field error [U]; update of one a NotFoundError', async () => {
    const t = await topic();
    const { api, store } = freshStore();
    store.addHook({ scope: 'store/product/*', destination: t.name });
    const ok = await api.graphql('mutation { webhook { deleteWebhook(id: "bc/store/webhook/1") { id } } }');
    expect(ok.body).toEqual({ data: { webhook: { deleteWebhook: { id: 'bc/store/webhook/1' } } } });
    const missing = await api.graphql('mutation { webhook { deleteWebhook(id: "bc/store/webhook/1") { id } } }');
    expect(missing.body).toEqual({
      data: { webhook: { deleteWebhook: null } },
      errors: [{ message: 'Webhook with id [1] not found', locations: [{ line: 1, column: 22 }], path: ['webhook', 'deleteWebhook'] }],
    });
    const upd = await api.graphql(UPDATE, { id: 'bc/store/webhook/77', isActive: true });
    expect(upd.body.data.webhook.updatePubSubWebhook).toEqual({ webhook: null, errors: [{ __typename: 'NotFoundError', message: 'Webhook with id [77] not found' }] });
  });

  it.each([
    ['a bad scope', 'ValidationError', 'product-updated', (t: string) => t],
    ['a destination that is not projects/P/topics/T', 'ValidationError', 'store/product/*', () => 'https://example.com/hook'],
    ['a topic that does not exist in the emulator', 'PubSubTopicNotFoundError', 'store/product/*', () => `projects/${PROJECT}/topics/never-created-topic`],
  ])('create with %s -> %s', async (_label, typename, scope, dest) => {
    const t = await topic();
    const { api, store } = freshStore();
    const r = await api.graphql(CREATE, { input: { destination: dest(t.name), isActive: true, scope } });
    const res = r.body.data.webhook.createPubSubWebhook;
    expect(res.webhook).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors[0].__typename).toBe(typename);
    expect(typeof res.errors[0].message).toBe('string');
    if (typename === 'PubSubTopicNotFoundError') {
      expect(res.errors[0]).toEqual({ __typename: typename, topic: dest(t.name), message: `Google topic '${dest(t.name)}' doesn't exist` });
    }
    expect(store.hooks()).toEqual([]);
  });

  it('AlreadyExistsError for the same scope + destination of the same client only', async () => {
    const t = await topic();
    const { api, store } = freshStore();
    store.addHook({ scope: 'store/product/*', destination: t.name, clientId: 'someone-else' });
    const input = { destination: t.name, isActive: true, scope: 'store/product/*' };
    expect((await api.graphql(CREATE, { input })).body.data.webhook.createPubSubWebhook.errors).toEqual([]);
    const dup = await api.graphql(CREATE, { input });
    expect(dup.body.data.webhook.createPubSubWebhook.errors[0].__typename).toBe('AlreadyExistsError');
    expect(store.hooks().map((h) => h.clientId)).toEqual(['someone-else', sandbox.clientId]);
  });

  it('publisher permission error for topics configured "without permission"', async () => {
    const t = await topic();
    const { api } = freshStore({ topicsWithoutPermission: [t.name] });
    const r = await api.graphql(CREATE, { input: { destination: t.name, isActive: true, scope: 'store/product/*' } });
    expect(r.body.data.webhook.createPubSubWebhook.errors).toEqual([{ __typename: 'PubSubPermissionError', topic: t.name, message: `Publisher permissions not granted for '${t.name}'` }]);
  });

  it("lists other clients' hooks with their clientId but does not let this client change them", async () => {
    const t = await topic();
    const { api, store } = freshStore();
    store.addHook({ scope: 'store/product/*', destination: t.name, clientId: 'other-client' });
    const listed = await api.graphql(LIST);
    expect(listed.body.data.store.webhooks.edges[0].node.clientId).toBe('other-client');
    const upd = await api.graphql(UPDATE, { id: 'bc/store/webhook/1', isActive: false });
    expect(upd.body.data.webhook.updatePubSubWebhook.errors[0].__typename).toBe('NotFoundError');
    expect(store.hooks()[0]?.isActive).toBe(true);
  });

  it('paginates with first/after cursors', async () => {
    const t = await topic();
    const { api, store } = freshStore();
    for (const s of ['store/product/created', 'store/product/updated', 'store/product/deleted', 'store/sku/*', 'store/app/uninstalled']) store.addHook({ scope: s, destination: t.name });
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 5; page++) {
      const r = await api.graphql(LIST, { first: 2, ...(after ? { after } : {}) });
      const conn = r.body.data.store.webhooks;
      seen.push(...(conn.edges as { node: { id: string } }[]).map((e) => e.node.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor as string;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5].map((i) => `bc/store/webhook/${i}`));
  });

  it('a hook created through GraphQL receives events; deactivated through GraphQL it does not', async () => {
    const t = await topic();
    const { api, store } = freshStore();
    await api.graphql(CREATE, { input: { destination: t.name, isActive: true, scope: 'store/product/updated' } });
    store.updateProduct(1, { price: 42 });
    await store.flushEvents();
    expect((await t.drain(1)).map((m) => m.body.scope)).toEqual(['store/product/updated']);
    await api.graphql(UPDATE, { id: 'bc/store/webhook/1', isActive: false });
    store.updateProduct(1, { price: 43 });
    await store.flushEvents();
    expect(await t.drain(0)).toEqual([]);
  });
});

describe('GraphQL errors (graphql-js validation against the SDL)', () => {
  it.each([
    ['an unknown root field', '{ products { id } }', ['Cannot query field "products" on type "Query".']],
    ['an unknown field on the interface', '{ store { webhooks { edges { node { color } } } } }', ['Cannot query field "color" on type "Webhook".']],
    [
      'destination selected on the interface',
      '{ store { webhooks { edges { node { destination } } } } }',
      ['Cannot query field "destination" on type "Webhook". Did you mean to use an inline fragment on "HttpsWebhook" or "PubSubWebhook"?'],
    ],
    [
      'a fragment that can never apply (issue #9: HttpsWebhook inside a create result)',
      'mutation { webhook { createPubSubWebhook(input: { destination: "d", scope: "s" }) { webhook { ... on HttpsWebhook { destination } } } } }',
      ['Fragment cannot be spread here as objects of type "PubSubWebhook" can never be of type "HttpsWebhook".'],
    ],
    ['the old delete form', 'mutation { webhook { deleteWebhook(input: { id: "x" }) { id } } }', ['Unknown argument "input" on field "WebhookMutations.deleteWebhook".', 'Field "deleteWebhook" argument "id" of type "ID!" is required, but it was not provided.']],
    ['a syntax error', '{ store { ', ['Syntax Error: Expected Name, found <EOF>.']],
    ['an object field without selection', '{ store }', ['Field "store" of type "Store!" must have a selection of subfields. Did you mean "store { ... }"?']],
    ['a bad argument type', 'mutation { webhook { createPubSubWebhook(input: { destination: 5, scope: "x" }) { errors { __typename } } } }', ['String cannot represent a non string value: 5']],
    ['subscriptions', 'subscription { store { webhooks { edges { cursor } } } }', ['Schema is not configured to execute subscription operation.']],
  ])('%s', async (_label, query, expected) => {
    const { api } = freshStore();
    const r = await api.graphql(query);
    expect(r.status).toBe(200);
    expect(r.body.data ?? null).toBeNull();
    expect((r.body.errors as { message: string }[]).map((e) => e.message)).toEqual(expected);
    expect(r.body.errors[0].locations).toEqual(expect.any(Array));
  });

  it('a missing required variable is a request error', async () => {
    const { api } = freshStore();
    const r = await api.graphql('query ($cursor: String!) { store { webhooks(after: $cursor) { edges { cursor } } } }');
    expect((r.body.errors as { message: string }[]).map((e) => e.message)).toEqual(['Variable "$cursor" of required type "String!" was not provided.']);
  });

  it('a request without a query string is a 400; without a token a 401', async () => {
    const { api, hash } = freshStore();
    expect((await api.post('/graphql', { variables: {} })).status).toBe(400);
    expect((await storeApi(sandbox.url, hash, undefined).graphql('{ store { webhooks { edges { cursor } } } }')).status).toBe(401);
  });

  it('supports aliases, named fragments, operationName and introspection', async () => {
    const t = await topic();
    const { api, store } = freshStore();
    store.addHook({ scope: 'store/product/*', destination: t.name });
    const r = await api.call('POST', '/graphql', {
      operationName: 'B',
      query: 'query A { store { __typename } } query B { s: store { hooks: webhooks(first: 1) { edges { node { ...N } } } } } fragment N on PubSubWebhook { id dest: destination }',
    });
    expect(r.body).toEqual({ data: { s: { hooks: { edges: [{ node: { id: 'bc/store/webhook/1', dest: t.name } }] } } } });
    const intro = await api.graphql('{ __type(name: "PubSubWebhook") { interfaces { name } } }');
    expect(intro.body.data.__type.interfaces).toEqual([{ name: 'Webhook' }]);
  });
});
