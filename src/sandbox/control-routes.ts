import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors.ts';
import type { SandboxStoreState } from './sandbox-store.ts';
import type { Product, Sandbox } from './types.ts';

/**
 * The HTTP control plane under `/_sandbox/*`: the programmatic Sandbox/SandboxStore API as JSON,
 * so another process (`npm run local`, the sandbox CLI) can drive a running sandbox. Local tool:
 * no authentication. Errors: `{ error: CODE, message, details? }` with 400/404/409.
 */

const FaultsSchema = z
  .object({
    errorRate: z.number().min(0).max(1),
    latencyMs: z.union([z.number().int().min(0), z.tuple([z.number().int().min(0), z.number().int().min(0)])]),
    burst429: z.number().int().min(0),
  })
  .partial()
  .strict();
const EventsSchema = z
  .object({
    duplicateRate: z.number().min(0).max(1),
    reorder: z.boolean(),
    extraUpdatedPerChange: z.number().int().min(0).max(20),
    delayMs: z.number().int().min(0),
  })
  .partial()
  .strict();
export const StoreOptionsSchema = z
  .object({
    hash: z.string().regex(/^[A-Za-z0-9_-]+$/),
    accessToken: z.string().min(1),
    clientId: z.string().min(1).optional(),
    storeId: z.string().regex(/^\d+$/).optional(),
    quota: z.number().int().positive().optional(),
    windowMs: z.number().int().positive().optional(),
    defaultTopic: z.string().optional(),
    events: EventsSchema.optional(),
    consistencyDelayMs: z.number().int().min(0).optional(),
    faults: FaultsSchema.optional(),
    maxUrlLength: z.number().int().positive().optional(),
    limitOver250: z.enum(['reject', 'cap']).optional(),
    maxAssignmentsPerPut: z.number().int().positive().optional(),
    categoriesIn: z.enum(['any', 'all']).optional(),
    categoryIds: z.array(z.number().int().positive()).optional(),
    topicsWithoutPermission: z.array(z.string()).optional(),
    seed: z.number().int().optional(),
    /** Control-plane only: seed this many products right away. */
    seedProducts: z.number().int().min(0).optional(),
  })
  .strict();
const SeedSchema = z.object({ count: z.number().int().min(0).max(1_000_000), seed: z.number().int().optional(), startId: z.number().int().positive().optional() }).strict();
const BULK_MODES = ['set', 'toggle-sale', 'inventory', 'touch'] as const;
const BulkSchema = z
  .object({
    ids: z.array(z.number().int().positive()).optional(),
    count: z.number().int().positive().optional(),
    mode: z.enum(BULK_MODES).optional(),
    set: z.record(z.string(), z.unknown()).optional(),
    invisibleForMs: z.number().int().min(0).optional(),
  })
  .strict();
const HookSchema = z.object({ scope: z.string(), destination: z.string(), isActive: z.boolean().optional(), clientId: z.string().optional() }).strict();
const EmitSchema = z.object({ scope: z.string(), data: z.record(z.string(), z.unknown()).default({}) }).strict();
const InstallSchema = z.object({ hash: z.string(), scope: z.string().optional(), redirectUri: z.string().optional() }).strict();
const SignedPayloadSchema = z
  .object({ hash: z.string(), expired: z.boolean().optional(), aud: z.string().optional(), secret: z.string().optional(), url: z.string().optional(), channelId: z.number().int().nullable().optional() })
  .strict();
const InvisibleQuery = z.object({ invisibleForMs: z.coerce.number().int().min(0).optional() });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    throw new AppError(ErrorCode.SANDBOX_BAD_REQUEST, 'invalid request body', { details: { issues: r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) } });
  }
  return r.data;
}

const idParam = (params: unknown): number => {
  const id = Number((params as { id: string }).id);
  if (!Number.isInteger(id) || id < 1) throw new AppError(ErrorCode.SANDBOX_BAD_REQUEST, 'product id must be a positive integer');
  return id;
};

/** What a bulk edit does to one product (JSON cannot carry the programmatic API's function). */
export function bulkPatch(mode: (typeof BULK_MODES)[number], p: Product, set: Record<string, unknown> | undefined): Partial<Product> {
  switch (mode) {
    case 'set':
      return set ?? {};
    case 'toggle-sale':
      return { sale_price: p.sale_price > 0 ? 0 : Math.max(0.01, Math.round(p.price * 80) / 100) };
    case 'inventory':
      return { inventory_level: p.inventory_level > 0 ? p.inventory_level - 1 : p.inventory_level + 10 };
    case 'touch':
      return { price: Math.round((p.price + 0.01) * 100) / 100 };
  }
}

/**
 * What the control routes drive: the running sandbox (start-sandbox.ts implements it). Declared here,
 * not imported from there, so the two modules do not import each other.
 */
export interface ControlTarget extends Pick<Sandbox, 'url' | 'createStore' | 'store' | 'stores' | 'stats' | 'resetStats' | 'signedPayload' | 'install'> {
  storeState(hash: string): SandboxStoreState;
  summary(hash: string): Record<string, unknown>;
}

// eslint-disable-next-line max-lines-per-function -- a flat table of control-API routes, each a few lines
export function registerControlRoutes(app: FastifyInstance, sandbox: ControlTarget): void {
  const p = '/_sandbox';
  const storeOf = (params: unknown) => sandbox.storeState((params as { hash: string }).hash);

  app.get(`${p}/health`, () => ({ ok: true, url: sandbox.url }));

  app.get(`${p}/stores`, () => ({ data: sandbox.stores().map((s) => sandbox.summary(s.hash)) }));

  app.post(`${p}/stores`, (req, reply) => {
    const { seedProducts, ...opts } = parse(StoreOptionsSchema, req.body);
    const store = sandbox.createStore(opts);
    if (seedProducts) store.seedProducts(seedProducts, opts.seed === undefined ? {} : { seed: opts.seed });
    return reply.code(201).send(sandbox.summary(store.hash));
  });

  app.get(`${p}/stores/:hash`, (req) => sandbox.summary(storeOf(req.params).hash));

  app.post(`${p}/stores/:hash/seed`, (req) => {
    const body = parse(SeedSchema, req.body);
    const products = storeOf(req.params).seedProducts(body.count, { ...(body.seed === undefined ? {} : { seed: body.seed }), ...(body.startId === undefined ? {} : { startId: body.startId }) });
    return { count: products.length, firstId: products[0]?.id ?? null, lastId: products[products.length - 1]?.id ?? null };
  });

  app.get(`${p}/stores/:hash/products`, (req) => ({ data: storeOf(req.params).products() }));

  app.get(`${p}/stores/:hash/products/:id`, (req) => {
    const product = storeOf(req.params).product(idParam(req.params));
    if (!product) throw new AppError(ErrorCode.SANDBOX_PRODUCT_NOT_FOUND, 'product not found');
    return { data: product };
  });

  app.post(`${p}/stores/:hash/products`, (req, reply) => reply.code(201).send({ data: storeOf(req.params).createProduct((req.body ?? {}) as Partial<Product>) }));

  app.patch(`${p}/stores/:hash/products/:id`, (req) => {
    const q = parse(InvisibleQuery, req.query);
    const product = storeOf(req.params).updateProduct(idParam(req.params), (req.body ?? {}), q.invisibleForMs === undefined ? {} : { invisibleForMs: q.invisibleForMs });
    return { data: product };
  });

  app.delete(`${p}/stores/:hash/products/:id`, (req, reply) => {
    storeOf(req.params).deleteProduct(idParam(req.params));
    return reply.code(204).send();
  });

  app.post(`${p}/stores/:hash/bulk-update`, (req) => {
    const body = parse(BulkSchema, req.body);
    const store = storeOf(req.params);
    const ids = body.ids ?? store.products().map((x) => x.id).slice(0, body.count ?? Infinity);
    const mode = body.mode ?? (body.set ? 'set' : 'toggle-sale');
    store.bulkUpdate(ids, (x) => bulkPatch(mode, x, body.set), body.invisibleForMs === undefined ? {} : { invisibleForMs: body.invisibleForMs });
    return { mode, updated: ids.length, ids };
  });

  app.put(`${p}/stores/:hash/faults`, (req) => {
    const f = parse(FaultsSchema, req.body);
    storeOf(req.params).setFaults(f);
    return { faults: f };
  });

  app.put(`${p}/stores/:hash/events`, (req) => {
    const e = parse(EventsSchema, req.body);
    storeOf(req.params).setEvents(e);
    return { events: e };
  });

  app.put(`${p}/stores/:hash/default-topic`, (req) => {
    const { topic } = parse(z.object({ topic: z.string().nullable() }), req.body);
    storeOf(req.params).setDefaultTopic(topic ?? undefined);
    return { defaultTopic: topic };
  });

  app.put(`${p}/stores/:hash/topics-without-permission`, (req) => {
    const { topics } = parse(z.object({ topics: z.array(z.string()) }), req.body);
    storeOf(req.params).setTopicsWithoutPermission(topics);
    return { topics };
  });

  app.post(`${p}/stores/:hash/deactivate-hooks`, (req) => {
    const store = storeOf(req.params);
    store.deactivateHooks();
    return { data: store.hooks() };
  });

  app.get(`${p}/stores/:hash/hooks`, (req) => ({ data: storeOf(req.params).hooks() }));

  app.post(`${p}/stores/:hash/hooks`, (req, reply) => reply.code(201).send({ data: storeOf(req.params).addHook(parse(HookSchema, req.body)) }));

  app.post(`${p}/stores/:hash/uninstall`, async (req) => {
    const { callbackStatus } = await storeOf(req.params).uninstall();
    return { uninstalled: true, callbackStatus: callbackStatus ?? null };
  });

  app.get(`${p}/stores/:hash/published-events`, (req) => ({ data: storeOf(req.params).publishedEvents() }));

  app.post(`${p}/stores/:hash/flush-events`, async (req) => {
    const store = storeOf(req.params);
    await store.flushEvents();
    return { published: store.publishedEvents().length };
  });

  app.post(`${p}/stores/:hash/emit`, (req, reply) => {
    const { scope, data } = parse(EmitSchema, req.body);
    storeOf(req.params).emitEvent(scope, data);
    return reply.code(202).send({ scope });
  });

  app.get(`${p}/stats`, (req) => {
    const { hash } = parse(z.object({ hash: z.string().optional() }), req.query);
    return sandbox.stats(hash);
  });

  app.post(`${p}/stats/reset`, () => {
    sandbox.resetStats();
    return { reset: true };
  });

  app.post(`${p}/install`, (req) => {
    const body = parse(InstallSchema, req.body);
    return sandbox.install(body.hash, { ...(body.scope ? { scope: body.scope } : {}), ...(body.redirectUri ? { redirectUri: body.redirectUri } : {}) });
  });

  app.post(`${p}/signed-payload`, async (req) => {
    const { hash, channelId, ...rest } = parse(SignedPayloadSchema, req.body);
    sandbox.store(hash);
    const jwt = await sandbox.signedPayload(hash, { ...rest, ...(channelId === undefined ? {} : { channelId }) });
    return { signed_payload_jwt: jwt };
  });
}
