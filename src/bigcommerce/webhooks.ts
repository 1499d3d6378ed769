import { z } from 'zod';
import type { BigCommerceClient, GraphqlError } from './client.ts';
import { AppError, ErrorCode } from '../errors.ts';

/**
 * The GraphQL Admin webhook calls (reference §3.2) over `client.graphql`, with the documented error
 * union mapped to AppError codes whose messages say what to do:
 *   AlreadyExistsError        -> WEBHOOK_ALREADY_EXISTS (reconcile treats it as done)
 *   ValidationError           -> WEBHOOK_INVALID
 *   PubSubTopicNotFoundError  -> WEBHOOK_TOPIC_NOT_FOUND
 *   publisher permission      -> WEBHOOK_TOPIC_PERMISSION (type name undocumented: matched by name or message)
 *   NotFoundError             -> WEBHOOK_NOT_FOUND
 *   anything else             -> WEBHOOK_API_ERROR, retryable ("any other error = internal, retry later")
 *   top-level GraphQL errors  -> WEBHOOK_GRAPHQL_ERROR (a query the API does not accept: not retryable)
 * HTTP-level failures keep their BC_* codes from the client (BC_UNAUTHORIZED, BC_RATE_LIMITED ...).
 */

/** The account BigCommerce publishes Pub/Sub webhooks as (reference §3.1). */
export const BIGCOMMERCE_PUBLISHER = 'webhook-deliveries@bigcommerce-platform.iam.gserviceaccount.com';
export const LIST_PAGE_SIZE = 50;
/** A store has at most a few dozen hooks; more pages than this means a cursor that never ends. */
const MAX_LIST_PAGES = 100;

// Every GraphQL document the service sends, each in one place and each validated against the
// Admin API SDL by test/unit/webhooks/webhook-operations.test.ts. Selections follow the published
// examples (docs/bigcommerce-contracts.md, "GraphQL Admin: webhooks"):
// - the listing selects id/scope/status/createdAt/updatedAt on the Webhook interface and
//   `destination` through fragments on both concrete types, as the beta Postman collection does;
//   clientId only on PubSubWebhook, where the create example shows it. Activity is read from
//   `status` (isActive is not shown on listing nodes);
// - create selects the concrete PubSubWebhook's fields directly, as the create example does (a
//   fragment on HttpsWebhook there is a validation error: the field's type is PubSubWebhook);
// - update selects `webhook { id status }` as published, plus `errors` [I] (see the SDL);
// - delete is the published `deleteWebhook(id: "bc/store/webhook/N") { id }`, the id as a string
//   literal: the argument's type (ID or String) is unpublished and a typed variable could mismatch it.
const CREATE_ERROR_FIELDS = '__typename ... on AlreadyExistsError { message } ... on ValidationError { message } ... on PubSubTopicNotFoundError { topic message }';
const UPDATE_ERROR_FIELDS = '__typename ... on ValidationError { message } ... on PubSubTopicNotFoundError { topic message }';

export const LIST_WEBHOOKS_QUERY = `query ListWebhooks($cursor: String) {
  store { webhooks(first: ${LIST_PAGE_SIZE}, after: $cursor) {
    pageInfo { hasNextPage endCursor }
    edges { node { id scope status createdAt updatedAt ... on HttpsWebhook { destination } ... on PubSubWebhook { destination clientId } } }
  } }
}`;
export const CREATE_PUBSUB_WEBHOOK_MUTATION = `mutation CreatePubSubWebhook($input: CreatePubSubWebhookInput!) {
  webhook { createPubSubWebhook(input: $input) {
    webhook { id scope destination status clientId createdAt updatedAt }
    errors { ${CREATE_ERROR_FIELDS} }
  } }
}`;
export const UPDATE_PUBSUB_WEBHOOK_MUTATION = `mutation UpdatePubSubWebhook($input: UpdatePubSubWebhookInput!) {
  webhook { updatePubSubWebhook(input: $input) {
    webhook { id status }
    errors { ${UPDATE_ERROR_FIELDS} }
  } }
}`;
const WEBHOOK_ID_RE = /^bc\/store\/webhook\/\d+$/;
/** `deleteWebhook(id: "bc/store/webhook/N") { id }`; JSON.stringify yields a valid GraphQL string literal. */
export function deleteWebhookMutation(id: string): string {
  return `mutation DeleteWebhook {
  webhook { deleteWebhook(id: ${JSON.stringify(id)}) { id } }
}`;
}

const NodeSchema = z.looseObject({
  id: z.string(),
  scope: z.string().optional(),
  status: z.string().nullish(),
  clientId: z.string().nullish(),
  createdAt: z.string().nullish(),
  destination: z.string().nullish(),
});
const ErrorItemSchema = z.looseObject({ __typename: z.string().optional(), message: z.string().optional(), topic: z.string().nullish() });
const ListSchema = z.object({
  store: z.object({
    webhooks: z.object({
      pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullish() }),
      edges: z.array(z.object({ node: NodeSchema })),
    }),
  }),
});
const MutationResultSchema = z.object({ webhook: NodeSchema.nullish(), errors: z.array(ErrorItemSchema).nullish() });
const CreateSchema = z.object({ webhook: z.object({ createPubSubWebhook: MutationResultSchema }) });
const UpdateSchema = z.object({ webhook: z.object({ updatePubSubWebhook: MutationResultSchema }) });
const DeleteSchema = z.object({ webhook: z.object({ deleteWebhook: z.object({ id: z.string() }).nullish() }) });

/** A webhook as the GraphQL listing shows it (reference §3.2). */
export interface ExistingWebhook {
  /** `bc/store/webhook/N`. */
  id: string;
  scope: string;
  destination: string | undefined;
  isActive: boolean | undefined;
  /** `ACTIVE`, `INACTIVE`, `DEACTIVATED` [U]. */
  status: string | undefined;
  /** Owning API account; undefined when the listing does not say (then it is per-client [U]). */
  clientId: string | undefined;
  /** ISO-8601. */
  createdAt: string | undefined;
}

type ErrorItem = z.infer<typeof ErrorItemSchema>;
type Node = z.infer<typeof NodeSchema>;

/** A node as ExistingWebhook; what a mutation result leaves out comes from the call's context. */
function toExisting(n: Node, ctx: { scope?: string | undefined; destination?: string | undefined } = {}): ExistingWebhook {
  return {
    id: n.id,
    scope: n.scope ?? ctx.scope ?? '',
    destination: n.destination ?? ctx.destination,
    // Read from status: the listing does not select isActive (see LIST_WEBHOOKS_QUERY).
    isActive: undefined,
    status: n.status ?? undefined,
    clientId: n.clientId ?? undefined,
    createdAt: n.createdAt ?? undefined,
  };
}

export interface WebhookCallContext {
  storeHash: string;
  operation: 'list' | 'create' | 'reactivate' | 'delete';
  scope?: string | undefined;
  destination?: string | undefined;
  id?: string | undefined;
}

/** The AppError for one entry of a mutation's `errors` union (pure; exported for tests). */
export function webhookError(e: ErrorItem, ctx: WebhookCallContext): AppError {
  const type = e.__typename ?? 'UnknownError';
  const message = e.message ?? '';
  const topic = e.topic ?? ctx.destination;
  const details = { ...ctx, type, bigcommerceMessage: message };
  const what = ctx.scope ? `webhook ${ctx.scope} -> ${ctx.destination ?? '?'}` : `webhook ${ctx.id ?? ''}`.trim();
  if (type === 'AlreadyExistsError') return new AppError(ErrorCode.WEBHOOK_ALREADY_EXISTS, `${what} already exists for this app on store ${ctx.storeHash}`, { details });
  if (/permission/i.test(type) || /publisher permissions? not granted/i.test(message)) {
    return new AppError(
      ErrorCode.WEBHOOK_TOPIC_PERMISSION,
      `BigCommerce may not publish to ${topic ?? 'the topic'}: grant roles/pubsub.publisher on that topic to serviceAccount:${BIGCOMMERCE_PUBLISHER} ` +
        `(gcloud pubsub topics add-iam-policy-binding ${topic ?? 'TOPIC'} --member=serviceAccount:${BIGCOMMERCE_PUBLISHER} --role=roles/pubsub.publisher), then run the reconcile again`,
      { details },
    );
  }
  if (type === 'PubSubTopicNotFoundError' || /topic .* doesn't exist/i.test(message)) {
    return new AppError(
      ErrorCode.WEBHOOK_TOPIC_NOT_FOUND,
      `Pub/Sub topic ${topic ?? '?'} does not exist (as BigCommerce sees it): create it (terraform apply) or fix WEBHOOK_TOPIC / GOOGLE_CLOUD_PROJECT`,
      { details },
    );
  }
  if (type === 'ValidationError') {
    return new AppError(ErrorCode.WEBHOOK_INVALID, `BigCommerce rejected ${what}: ${message || 'validation failed'} - check WEBHOOK_SCOPES and WEBHOOK_TOPIC`, { details });
  }
  if (type === 'NotFoundError') return new AppError(ErrorCode.WEBHOOK_NOT_FOUND, `${what} not found on store ${ctx.storeHash} (deleted meanwhile, or owned by another app)`, { details });
  return new AppError(ErrorCode.WEBHOOK_API_ERROR, `BigCommerce could not ${ctx.operation} ${what}: ${type}${message ? ` ${message}` : ''} (internal error, retried on the next reconcile)`, {
    retryable: true,
    details,
  });
}

/** Unwraps a GraphQL answer: top-level errors or a shape we do not know become AppErrors. */
function unwrap<S extends z.ZodType>(schema: S, res: { data?: unknown; errors?: GraphqlError[] }, ctx: WebhookCallContext): z.infer<S> {
  if (res.errors?.length) {
    throw new AppError(ErrorCode.WEBHOOK_GRAPHQL_ERROR, `BigCommerce GraphQL refused the ${ctx.operation} call: ${res.errors.map((e) => e.message).join('; ')}`, {
      details: { ...ctx, errors: res.errors.slice(0, 5) },
    });
  }
  const parsed = schema.safeParse(res.data);
  if (!parsed.success) {
    throw new AppError(ErrorCode.WEBHOOK_API_ERROR, `BigCommerce GraphQL answered the ${ctx.operation} call with an unexpected shape`, {
      retryable: true,
      details: { ...ctx, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return parsed.data;
}

function mutationOutcome(r: z.infer<typeof MutationResultSchema>, ctx: WebhookCallContext): ExistingWebhook {
  const first = r.errors?.[0];
  if (first) throw webhookError(first, ctx);
  if (!r.webhook) throw new AppError(ErrorCode.WEBHOOK_API_ERROR, `BigCommerce returned no webhook and no error for ${ctx.operation}`, { retryable: true, details: { ...ctx } });
  return toExisting(r.webhook, ctx);
}

export interface WebhooksApi {
  /** Every webhook the listing shows (all pages). */
  list(): Promise<ExistingWebhook[]>;
  create(input: { scope: string; destination: string }): Promise<ExistingWebhook>;
  /** `updatePubSubWebhook(input: { id, data: { isActive: true } })`. */
  reactivate(id: string, ctx?: { scope?: string; destination?: string }): Promise<ExistingWebhook>;
  delete(id: string, ctx?: { scope?: string; destination?: string }): Promise<void>;
}

export function createWebhooksApi(client: BigCommerceClient): WebhooksApi {
  const storeHash = client.storeHash;
  return {
    async list() {
      const out: ExistingWebhook[] = [];
      const seen = new Set<string>();
      let after: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const ctx: WebhookCallContext = { storeHash, operation: 'list' };
        const res = await client.graphql<unknown>(LIST_WEBHOOKS_QUERY, after === undefined ? {} : { cursor: after });
        const conn = unwrap(ListSchema, res, ctx).store.webhooks;
        for (const e of conn.edges) {
          if (!seen.has(e.node.id)) out.push(toExisting(e.node));
          seen.add(e.node.id);
        }
        const next = conn.pageInfo.endCursor ?? undefined;
        if (!conn.pageInfo.hasNextPage || next === undefined || next === after || conn.edges.length === 0) return out;
        after = next;
      }
      throw new AppError(ErrorCode.WEBHOOK_API_ERROR, `webhook listing did not end after ${MAX_LIST_PAGES} pages`, { retryable: true, details: { storeHash } });
    },

    async create(input) {
      const ctx: WebhookCallContext = { storeHash, operation: 'create', ...input };
      const res = await client.graphql<unknown>(CREATE_PUBSUB_WEBHOOK_MUTATION, { input: { scope: input.scope, destination: input.destination, isActive: true } });
      return mutationOutcome(unwrap(CreateSchema, res, ctx).webhook.createPubSubWebhook, ctx);
    },

    async reactivate(id, c = {}) {
      const ctx: WebhookCallContext = { storeHash, operation: 'reactivate', id, ...c };
      const res = await client.graphql<unknown>(UPDATE_PUBSUB_WEBHOOK_MUTATION, { input: { id, data: { isActive: true } } });
      return mutationOutcome(unwrap(UpdateSchema, res, ctx).webhook.updatePubSubWebhook, ctx);
    },

    async delete(id, c = {}) {
      const ctx: WebhookCallContext = { storeHash, operation: 'delete', id, ...c };
      if (!WEBHOOK_ID_RE.test(id)) throw new AppError(ErrorCode.WEBHOOK_INVALID, `not a webhook id: ${id} (expected bc/store/webhook/N)`, { details: { ...ctx } });
      const res = await client.graphql<unknown>(deleteWebhookMutation(id));
      // [U] an unknown id: the sandbox answers a field error on deleteWebhook (data null), which
      // is the one GraphQL-level error that means "already gone" rather than "query refused".
      const gone = res.errors?.find((e) => Array.isArray(e.path) && e.path.at(-1) === 'deleteWebhook' && /not found/i.test(e.message));
      if (gone) throw webhookError({ __typename: 'NotFoundError', message: gone.message }, ctx);
      unwrap(DeleteSchema, res, ctx);
    },
  };
}
