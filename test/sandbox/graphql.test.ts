// GraphQL Admin webhook operations of the sandbox (reference §3.2): the parser subset, and
// create/list/update/delete with every documented error, against the Pub/Sub emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGraphQL, GraphQLSyntaxError } from '../../src/sandbox/parse-graphql.ts';
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
        edges { cursor node { id scope status isActive ... on PubSubWebhook { destination clientId } } }
      }
    }
  }`;
const UPDATE = `
  mutation ($id: ID!, $isActive: Boolean, $scope: String) {
    webhook { updatePubSubWebhook(input: { id: $id, data: { isActive: $isActive, scope: $scope } }) {
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

describe('parseGraphQL (pure)', () => {
  it.each([
    ['shorthand query', '{ store { webhooks { edges { node { id } } } } }'],
    ['named mutation with variables and defaults', 'mutation M($a: Int = 5, $b: [String!]!) { x(a: $a, b: $b) { y } }'],
    ['aliases, directives, inline and named fragments', 'query { a: store @include(if: true) { ...F ... on Store { id } } } fragment F on Store { name }'],
    ['all literal kinds', 'query { f(i: -1, fl: 1.5e3, s: "a\\"b\\u0041", b: """block\n  text""", t: true, n: null, e: ENUM, l: [1, 2], o: { k: { z: 1 } }) }'],
    ['comments and commas', '# hi\n{ a, b # trailing\n }'],
  ])('parses %s', (_label, src) => {
    expect(() => parseGraphQL(src)).not.toThrow();
  });

  it('keeps argument values and structure', () => {
    const doc = parseGraphQL('mutation { webhook { deleteWebhook(input: { id: "bc/store/webhook/3" }) { id } } }');
    const op = doc.operations[0]!;
    expect(op.type).toBe('mutation');
    const webhook = op.selections[0]!;
    expect(webhook.kind === 'field' && webhook.name).toBe('webhook');
    const del = webhook.kind === 'field' ? webhook.selections?.[0] : undefined;
    expect(del?.kind === 'field' ? del.args : undefined).toEqual({ input: { kind: 'object', fields: { id: { kind: 'const', value: 'bc/store/webhook/3' } } } });
  });

  it.each([
    ['unclosed brace', '{ store { webhooks }'],
    ['empty selection', '{ }'],
    ['bad character', '{ a % }'],
    ['unterminated string', '{ a(s: "x) }'],
    ['variable in a default value', 'query ($a: Int = $b) { x }'],
    ['no operation', 'fragment F on X { a }'],
    ['missing colon in argument', '{ a(b 1) }'],
  ])('rejects %s', (_label, src) => {
    expect(() => parseGraphQL(src)).toThrow(GraphQLSyntaxError);
  });
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
    const reactivated = await api.graphql(UPDATE, { id: 'bc/store/webhook/1', isActive: true, scope: 'store/product/updated' });
    expect(reactivated.body.data.webhook.updatePubSubWebhook.webhook).toMatchObject({ isActive: true, status: 'ACTIVE', scope: 'store/product/updated' });

    const deleted = await api.graphql('mutation { webhook { deleteWebhook(input: { id: "bc/store/webhook/1" }) { deletedWebhookId errors { __typename } } } }');
    expect(deleted.body.data.webhook.deleteWebhook).toEqual({ deletedWebhookId: 'bc/store/webhook/1', errors: [] });
    expect((await api.graphql(LIST)).body.data.store.webhooks.edges).toEqual([]);
  });

  it('also accepts deleteWebhook(id: ...) and reports NotFoundError for unknown ids', async () => {
    const t = await topic();
    const { api, store } = freshStore();
    store.addHook({ scope: 'store/product/*', destination: t.name });
    const ok = await api.graphql('mutation { webhook { deleteWebhook(id: "bc/store/webhook/1") { id } } }');
    expect(ok.body).toEqual({ data: { webhook: { deleteWebhook: { id: 'bc/store/webhook/1' } } } });
    const missing = await api.graphql('mutation { webhook { deleteWebhook(id: "bc/store/webhook/1") { id errors { __typename message } } } }');
    expect(missing.body.data.webhook.deleteWebhook).toEqual({ id: null, errors: [{ __typename: 'NotFoundError', message: 'Webhook with id [1] not found' }] });
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

describe('GraphQL errors', () => {
  it.each([
    ['an unknown root field', '{ products { id } }', /Cannot query field "products" on type "Query"/],
    ['an unknown nested field', '{ store { webhooks { edges { node { color } } } } }', /Cannot query field "color"/],
    ['a syntax error', '{ store { ', /Syntax Error/],
    ['a missing required variable', 'query ($first: Int!) { store { webhooks(first: $first) { edges { cursor } } } }', /Variable "\$first" of required type "Int!" was not provided/],
    ['an object field without selection', '{ store }', /must have a selection of subfields/],
    ['a bad argument type', 'mutation { webhook { createPubSubWebhook(input: { destination: 5, scope: "x" }) { errors { __typename } } } }', /Invalid arguments for "createPubSubWebhook"/],
    ['subscriptions', 'subscription { store { id } }', /not supported/],
  ])('%s -> {errors:[{message}]}', async (_label, query, message) => {
    const { api, store } = freshStore();
    // There is no schema to validate against: fields are checked on the objects actually resolved,
    // so give the list one hook to resolve.
    store.addHook({ scope: 'store/product/*', destination: `projects/${PROJECT}/topics/any-topic` });
    const r = await api.graphql(query);
    expect(r.status).toBe(200);
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors[0].message).toMatch(message);
  });

  it('a request without a query string is a 400; without a token a 401', async () => {
    const { api, hash } = freshStore();
    expect((await api.post('/graphql', { variables: {} })).status).toBe(400);
    expect((await storeApi(sandbox.url, hash, undefined).graphql('{ store { webhooks { edges { cursor } } } }')).status).toBe(401);
  });

  it('supports aliases, named fragments and operationName', async () => {
    const t = await topic();
    const { api, store } = freshStore();
    store.addHook({ scope: 'store/product/*', destination: t.name });
    const r = await api.call('POST', '/graphql', {
      operationName: 'B',
      query: 'query A { store { id } } query B { s: store { hooks: webhooks(first: 1) { edges { node { ...N } } } } } fragment N on Webhook { id dest: destination }',
    });
    expect(r.body).toEqual({ data: { s: { hooks: { edges: [{ node: { id: 'bc/store/webhook/1', dest: t.name } }] } } } });
  });
});
