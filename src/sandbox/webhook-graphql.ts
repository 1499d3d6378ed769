import { graphql, GraphQLError, type ExecutionResult } from 'graphql';
import type { FastifyBaseLogger } from 'fastify';
import { isAppError } from '../errors.ts';
import { adminSchema } from './admin-schema.ts';
import type { HookResult, SandboxStoreState } from './sandbox-store.ts';
import type { WebhookRecord } from './types.ts';

/**
 * The GraphQL Admin webhook endpoint of a sandbox store, executed by graphql-js against
 * admin-schema.graphql: parsing, validation (unknown fields, fragments that can never apply,
 * variable types, missing arguments) and the response shape are graphql-js's own, so a document
 * the schema rejects is answered `{ errors: [...] }` exactly as a GraphQL server answers it.
 * Resolvers below only map the store's webhook state onto the schema's types.
 *
 * Listing is store-wide (every client's hooks, each with its clientId) [U]; changes are limited to
 * the caller's own hooks (others' look like unknown ids).
 */

export const WEBHOOK_ID_PREFIX = 'bc/store/webhook/';
const DEFAULT_PAGE = 50;
/** [U] largest `first` the listing accepts. */
const MAX_PAGE = 250;

const gqlDate = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const cursorOf = (id: number) => Buffer.from(`webhook:${id}`).toString('base64');
function idFromCursor(cursor: string): number {
  const m = /^webhook:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m) throw new GraphQLError(`Invalid cursor "${cursor}".`);
  return Number(m[1]);
}

/** `bc/store/webhook/12` (or a bare `12`) -> 12. */
export function parseWebhookId(id: unknown): number | undefined {
  if (typeof id === 'number' && Number.isInteger(id)) return id;
  if (typeof id !== 'string') return undefined;
  const m = /^(?:bc\/store\/webhook\/)?(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

/** A PubSubWebhook value; `__typename` is what graphql-js's default type resolver reads for the Webhook interface. */
function node(h: WebhookRecord) {
  return {
    __typename: 'PubSubWebhook',
    id: `${WEBHOOK_ID_PREFIX}${h.id}`,
    scope: h.scope,
    destination: h.destination,
    status: h.status,
    isActive: h.isActive,
    clientId: h.clientId,
    createdAt: gqlDate(h.createdAtMs),
    updatedAt: gqlDate(h.updatedAtMs),
  };
}

function errorValue(r: Extract<HookResult, { ok: false }>) {
  const e = r.error;
  const withTopic = e.type === 'PubSubTopicNotFoundError' || e.type === 'PubSubPermissionError';
  return { __typename: e.type, message: e.message, ...(withTopic ? { topic: e.topic ?? '' } : {}) };
}

const mutationResult = (r: HookResult) => ({ webhook: r.ok ? node(r.hook) : null, errors: r.ok ? [] : [errorValue(r)] });

interface Ctx {
  log: FastifyBaseLogger | undefined;
}

/**
 * Wraps a resolver so that anything unexpected (the Pub/Sub emulator unreachable during a topic
 * check) becomes the opaque field error BigCommerce documents as "internal error, retry later".
 */
function guarded<A, R>(fn: (args: A) => R | Promise<R>) {
  return async (args: A, ctx: Ctx): Promise<R> => {
    try {
      return await fn(args);
    } catch (e) {
      if (e instanceof GraphQLError) throw e;
      ctx.log?.warn({ err: e }, 'sandbox graphql internal error');
      throw new GraphQLError(isAppError(e) ? e.message : 'Internal error, please retry later.');
    }
  };
}

function rootValue(store: SandboxStoreState, clientId: string) {
  return {
    store: {
      webhooks: guarded((a: { first?: number | null; after?: string | null }) => {
        const first = a.first ?? DEFAULT_PAGE;
        if (first < 1 || first > MAX_PAGE) throw new GraphQLError(`"first" must be between 1 and ${MAX_PAGE}.`);
        const all = store.hooks();
        const afterId = a.after == null ? 0 : idFromCursor(a.after);
        const rest = all.filter((h) => h.id > afterId);
        const page = rest.slice(0, first);
        const firstHook = page[0];
        const lastHook = page[page.length - 1];
        return {
          pageInfo: {
            hasNextPage: rest.length > page.length,
            startCursor: firstHook ? cursorOf(firstHook.id) : null,
            endCursor: lastHook ? cursorOf(lastHook.id) : null,
          },
          edges: page.map((h) => ({ cursor: cursorOf(h.id), node: node(h) })),
        };
      }),
    },
    webhook: {
      createPubSubWebhook: guarded(async ({ input }: { input: { destination: string; scope: string; isActive?: boolean | null } }) =>
        mutationResult(await store.createPubSubHook(clientId, { destination: input.destination, scope: input.scope, isActive: input.isActive ?? true })),
      ),
      updatePubSubWebhook: guarded(async ({ input }: { input: { id: string; data: { isActive?: boolean | null } } }) => {
        const id = parseWebhookId(input.id);
        const data = input.data.isActive == null ? {} : { isActive: input.data.isActive };
        const r: HookResult =
          id === undefined ? { ok: false, error: { type: 'NotFoundError', message: `Webhook with id [${input.id}] not found` } } : await store.updatePubSubHook(clientId, id, data);
        return mutationResult(r);
      }),
      deleteWebhook: guarded(({ id: raw }: { id: string }) => {
        const id = parseWebhookId(raw);
        const r = id === undefined ? undefined : store.deleteHook(clientId, id);
        // [U] how BigCommerce answers an unknown id: a field error, the result null.
        if (!r?.ok) throw new GraphQLError(`Webhook with id [${id ?? raw}] not found`);
        return { id: `${WEBHOOK_ID_PREFIX}${r.hook.id}` };
      }),
    },
  };
}

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown> | undefined;
  operationName?: string | undefined;
}

/** Parses, validates and executes one request for `clientId` on `store`. Never throws for a bad document. */
export async function executeWebhookGraphQL(store: SandboxStoreState, clientId: string, req: GraphQLRequest, log?: FastifyBaseLogger): Promise<ExecutionResult> {
  return graphql({
    schema: adminSchema(),
    source: req.query,
    rootValue: rootValue(store, clientId),
    contextValue: { log } satisfies Ctx,
    variableValues: req.variables ?? null,
    operationName: req.operationName ?? null,
  });
}
