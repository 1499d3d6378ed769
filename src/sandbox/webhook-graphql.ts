import { z } from 'zod';
import { GraphQLFieldError } from './execute-graphql.ts';
import type { HookResult, SandboxStoreState } from './sandbox-store.ts';
import type { WebhookRecord } from './types.ts';

/**
 * The GraphQL Admin webhook operations (reference §3.2) as object trees for executeGraphQL:
 * `query { store { webhooks(first, after) { ... } } }` and
 * `mutation { webhook { createPubSubWebhook / updatePubSubWebhook / deleteWebhook } }`.
 * Listing is store-wide (every client's hooks, each with its clientId) [U]; changes are limited to
 * the caller's own hooks.
 */

export const WEBHOOK_ID_PREFIX = 'bc/store/webhook/';
const DEFAULT_PAGE = 50;
const MAX_PAGE = 250;

const gqlDate = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const cursorOf = (id: number) => Buffer.from(`webhook:${id}`).toString('base64');
function idFromCursor(cursor: string, path: string[]): number {
  const m = /^webhook:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m) throw new GraphQLFieldError(`Invalid cursor "${cursor}".`, path);
  return Number(m[1]);
}

/** `bc/store/webhook/12` (or a bare `12`) -> 12. */
export function parseWebhookId(id: unknown): number | undefined {
  if (typeof id === 'number' && Number.isInteger(id)) return id;
  if (typeof id !== 'string') return undefined;
  const m = /^(?:bc\/store\/webhook\/)?(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

function node(h: WebhookRecord): Record<string, unknown> & { __typename: string } {
  return {
    __typename: 'PubSubWebhook',
    __interfaces: ['Webhook', 'Node'],
    id: `${WEBHOOK_ID_PREFIX}${h.id}`,
    entityId: h.id,
    scope: h.scope,
    destination: h.destination,
    status: h.status,
    isActive: h.isActive,
    clientId: h.clientId,
    createdAt: gqlDate(h.createdAtMs),
    updatedAt: gqlDate(h.updatedAtMs),
  };
}

function errorObj(r: Extract<HookResult, { ok: false }>): Record<string, unknown> & { __typename: string } {
  const e = r.error;
  const withTopic = e.type === 'PubSubTopicNotFoundError' || e.type === 'PubSubPermissionError';
  return { __typename: e.type, __interfaces: ['Error'], message: e.message, ...(withTopic ? { topic: e.topic ?? null } : {}) };
}

function parseArgs<T>(schema: z.ZodType<T>, args: Record<string, unknown>, field: string): T {
  const r = schema.safeParse(args);
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ');
    throw new GraphQLFieldError(`Invalid arguments for "${field}": ${detail}`, ['webhook', field]);
  }
  return r.data;
}

const CreateArgs = z.object({ input: z.object({ destination: z.string(), scope: z.string(), isActive: z.boolean().default(true) }) });
const UpdateArgs = z.object({
  input: z.object({
    id: z.union([z.string(), z.number()]),
    data: z.object({ isActive: z.boolean().optional(), scope: z.string().optional(), destination: z.string().optional() }),
  }),
});
const DeleteArgs = z.union([z.object({ input: z.object({ id: z.union([z.string(), z.number()]) }) }), z.object({ id: z.union([z.string(), z.number()]) })]);
const ListArgs = z.object({ first: z.number().int().min(1).max(MAX_PAGE).optional(), after: z.string().optional() });

export function webhookRoots(store: SandboxStoreState, clientId: string) {
  const mutationResult = (typename: string, r: HookResult) => ({
    __typename: typename,
    webhook: r.ok ? node(r.hook) : null,
    errors: r.ok ? [] : [errorObj(r)],
  });
  const notFound = (id: unknown): HookResult => ({ ok: false, error: { type: 'NotFoundError', message: `Webhook with id [${String(id)}] not found` } });

  const query = {
    __typename: 'Query',
    store: {
      __typename: 'Store',
      webhooks: (args: Record<string, unknown>) => {
        const a = parseArgs(ListArgs, args, 'webhooks');
        const all = store.hooks();
        const afterId = a.after === undefined ? 0 : idFromCursor(a.after, ['store', 'webhooks']);
        const rest = all.filter((h) => h.id > afterId);
        const page = rest.slice(0, a.first ?? DEFAULT_PAGE);
        const firstHook = page[0];
        const lastHook = page[page.length - 1];
        return {
          __typename: 'WebhookConnection',
          pageInfo: {
            __typename: 'PageInfo',
            hasNextPage: rest.length > page.length,
            hasPreviousPage: afterId > 0 && all.some((h) => h.id <= afterId),
            startCursor: firstHook ? cursorOf(firstHook.id) : null,
            endCursor: lastHook ? cursorOf(lastHook.id) : null,
          },
          edges: page.map((h) => ({ __typename: 'WebhookEdge', cursor: cursorOf(h.id), node: node(h) })),
        };
      },
    },
  };

  const mutation = {
    __typename: 'Mutation',
    webhook: {
      __typename: 'WebhookMutations',
      createPubSubWebhook: async (args: Record<string, unknown>) => {
        const { input } = parseArgs(CreateArgs, args, 'createPubSubWebhook');
        return mutationResult('CreatePubSubWebhookResult', await store.createPubSubHook(clientId, input));
      },
      updatePubSubWebhook: async (args: Record<string, unknown>) => {
        const { input } = parseArgs(UpdateArgs, args, 'updatePubSubWebhook');
        const id = parseWebhookId(input.id);
        const r = id === undefined ? notFound(input.id) : await store.updatePubSubHook(clientId, id, input.data);
        return mutationResult('UpdatePubSubWebhookResult', r);
      },
      deleteWebhook: (args: Record<string, unknown>) => {
        const a = parseArgs(DeleteArgs, args, 'deleteWebhook');
        const raw = 'input' in a ? a.input.id : a.id;
        const id = parseWebhookId(raw);
        const r = id === undefined ? notFound(raw) : store.deleteHook(clientId, id);
        return {
          __typename: 'DeleteWebhookResult',
          deletedWebhookId: r.ok ? `${WEBHOOK_ID_PREFIX}${r.hook.id}` : null,
          id: r.ok ? `${WEBHOOK_ID_PREFIX}${r.hook.id}` : null,
          errors: r.ok ? [] : [errorObj(r)],
        };
      },
    },
  };
  return { query, mutation };
}
