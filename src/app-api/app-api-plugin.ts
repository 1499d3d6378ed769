import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { RoutePlugin } from '../http/route-plugin.ts';
import type { BigCommerceClient } from '../bigcommerce/client.ts';
import type { Clock } from '../clock.ts';
import { AppError, isAppError, ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { parseRuleSet } from '../rules/rule-set-schema.ts';
import type { StoreDirectory } from '../stores/store-directory.ts';
import type { RuleAuthor, StoreRules } from '../stores/store-rules.ts';
import type { ActivitySource } from './activity.ts';
import { summarizeHistory, type ProductHistoryStore } from '../events/product-history.ts';
import { bearerToken, type AppSession, type SessionTokens } from './app-session.ts';
import type { AppAssets } from './app-shell.ts';
import { listCategories, searchProducts, type CatalogTransport } from './catalog-reads.ts';
import { explainProduct } from './explain-product.ts';
import { previewRules } from './preview-rules.ts';
import type { RulesService } from './rules-service.ts';

/**
 * Everything the app API needs, built once by the composition root (main.ts / services.ts).
 * Nothing here is created by the plugin itself.
 */
export interface AppApiDeps {
  sessions: SessionTokens;
  directory: Pick<StoreDirectory, 'get'>;
  storeRules: StoreRules;
  rules: RulesService;
  /** The store's one paced client (shared rate limiter). */
  clientFor: (store: { storeHash: string; accessToken: string }) => CatalogTransport | BigCommerceClient;
  activity: ActivitySource;
  /** Per-product history shown by explain; explain omits it when undefined. */
  history?: Pick<ProductHistoryStore, 'read'>;
  clock: Clock;
  logger: Logger;
  /** The built web bundle, served at /app/assets/; undefined when not built. */
  assets: AppAssets | undefined;
  /** Products listed per rule in a preview (default 10). */
  previewSampleSize?: number;
}

export const APP_API_PREFIX = '/api/app/stores/:storeHash';

/** Status of each AppError code the API lets through; anything else is a 500 (logged). */
const STATUS: Record<string, number> = {
  RULES_INVALID: 422,
  RULES_TOO_LARGE: 413,
  RULES_VERSION_CONFLICT: 409,
  RULES_VERSION_NOT_FOUND: 404,
  APP_PRODUCT_NOT_FOUND: 404,
  APP_REQUEST_INVALID: 400,
  APP_STORE_NOT_INSTALLED: 409,
  BC_UNAUTHORIZED: 502,
  BC_RATE_LIMITED: 503,
  BC_BUDGET_EXCEEDED: 503,
  BC_SERVER_ERROR: 502,
  BC_NETWORK: 502,
  BC_NOT_FOUND: 502,
  BC_BAD_REQUEST: 502,
};

const ReplaceBodySchema = z.strictObject({ ruleSet: z.unknown(), expectedVersion: z.number().int().min(0).optional() });
const RollbackBodySchema = z.strictObject({ version: z.number().int().positive(), expectedVersion: z.number().int().min(0).optional() });
const PreviewBodySchema = z.strictObject({ ruleSet: z.unknown(), sampleSize: z.number().int().min(0).max(50).optional() });
const RetryBodySchema = z.strictObject({ productIds: z.array(z.number().int().positive()).min(1).max(500) });
const ExplainQuerySchema = z.union([z.strictObject({ product: z.coerce.number().int().positive() }), z.strictObject({ q: z.string().trim().min(1).max(200) })]);

declare module 'fastify' {
  interface FastifyRequest {
    appSession?: AppSession;
  }
}

const author = (s: AppSession): RuleAuthor => ({ via: 'app', userId: s.userId, email: s.email });

function invalid(message: string, issues?: unknown): AppError {
  return new AppError(ErrorCode.APP_REQUEST_INVALID, message, { details: issues ? { issues } : {} });
}

/**
 * The merchant app's API (`/api/app/stores/{hash}/...`) and its static assets (`/app/assets/...`).
 *
 * Auth: every API route needs `Authorization: Bearer <app session>` (app-session.ts). A missing,
 * forged or expired session is 401; a valid session for another store than the path's is 403 —
 * checked before anything is read or written, so store A's session can never see or change store B.
 */
// eslint-disable-next-line max-lines-per-function -- the app API's route table: every route is a few lines over the shared session check and store lookup
export function appApiPlugin(deps: AppApiDeps): RoutePlugin {
  const log = deps.logger;

  async function authenticate(request: FastifyRequest<{ Params: { storeHash: string } }>, reply: FastifyReply) {
    const check = deps.sessions.verify(bearerToken(request.headers.authorization));
    if (!check.ok) {
      log.warn({ reason: check.reason, url: request.url }, 'app session refused');
      return reply.code(401).send({ error: 'APP_SESSION_INVALID', reason: check.reason, message: 'Your session has expired or is not valid. Open the app again from the control panel.' });
    }
    if (check.session.storeHash !== request.params.storeHash) {
      log.warn({ sessionStore: check.session.storeHash, storeHash: request.params.storeHash, url: request.url }, 'app session for another store');
      return reply.code(403).send({ error: 'APP_SESSION_WRONG_STORE', message: 'This session belongs to another store.' });
    }
    request.appSession = check.session;
  }

  /** The store's context with its token, or AppError APP_STORE_NOT_INSTALLED. */
  async function installed(storeHash: string) {
    const store = await deps.directory.get(storeHash);
    if (!store || store.status === 'uninstalled' || !store.accessToken) throw new AppError(ErrorCode.APP_STORE_NOT_INSTALLED, `store ${storeHash} is not installed`, { details: { storeHash } });
    return { ...store, accessToken: store.accessToken };
  }

  // eslint-disable-next-line max-lines-per-function -- the route table (see above)
  return async (app) => {
    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
      if (isAppError(err) && STATUS[err.code] !== undefined) {
        const status = STATUS[err.code]!;
        if (status >= 500) request.log.error({ code: err.code, details: err.details }, 'app api dependency failed');
        const issues = err.details?.issues;
        return reply.code(status).send({ error: err.code, message: err.message, ...(issues ? { issues } : {}) });
      }
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.code ?? 'APP_REQUEST_INVALID', message: err.message });
      request.log.error({ err }, 'app api request failed');
      return reply.code(500).send({ error: 'APP_INTERNAL', message: 'Something went wrong on our side.' });
    });

    app.get<{ Params: { file: string } }>('/app/assets/:file', async (request, reply) => {
      const file = deps.assets?.files.get(request.params.file);
      if (!file) return reply.code(404).send({ error: 'APP_ASSET_NOT_FOUND' });
      // The shell asks for app.js?v=<content hash>: safe to cache for long.
      return reply.type(file.type).header('cache-control', 'public, max-age=31536000, immutable').send(file.body);
    });

    // eslint-disable-next-line max-lines-per-function -- the session-guarded routes, one short handler each
    await app.register((api, _opts, done) => {
      api.addHook('preHandler', authenticate);

      /** A fresh session before the current one expires (the page refreshes it while open). */
      api.post<{ Params: { storeHash: string } }>(`${APP_API_PREFIX}/session`, (request) => {
        const s = request.appSession!;
        return deps.sessions.issue({ storeHash: s.storeHash, userId: s.userId, email: s.email });
      });

      api.get<{ Params: { storeHash: string } }>(`${APP_API_PREFIX}/rules`, async (request) => {
        const { storeHash } = request.params;
        const own = await deps.storeRules.current(storeHash);
        if (own) return { source: 'store', version: own.version, ruleSet: own.ruleSet, savedAtMs: own.savedAtMs, author: own.author };
        const store = await deps.directory.get(storeHash);
        return { source: store?.ruleSet ? 'default' : 'none', version: 0, ruleSet: store?.ruleSet ?? { rules: [] } };
      });

      api.put<{ Params: { storeHash: string } }>(`${APP_API_PREFIX}/rules`, async (request) => {
        const body = ReplaceBodySchema.safeParse(request.body);
        if (!body.success) throw invalid('the body must be {"ruleSet": {...}, "expectedVersion"?: n}');
        await installed(request.params.storeHash);
        const v = await deps.rules.replace(request.params.storeHash, body.data.ruleSet, { author: author(request.appSession!), expectedVersion: body.data.expectedVersion });
        return { version: v.version, savedAtMs: v.savedAtMs, changes: v.changes, syncStarted: true };
      });

      api.post<{ Params: { storeHash: string } }>(`${APP_API_PREFIX}/rules/validate`, (request) => {
        const body = z.strictObject({ ruleSet: z.unknown() }).safeParse(request.body);
        if (!body.success) throw invalid('the body must be {"ruleSet": {...}}');
        try {
          parseRuleSet(body.data.ruleSet, 'rules');
          return { valid: true, issues: [] };
        } catch (err) {
          if (!isAppError(err, ErrorCode.RULES_INVALID)) throw err;
          return { valid: false, issues: err.details?.issues ?? [], message: err.message };
        }
      });

      api.get<{ Params: { storeHash: string }; Querystring: { limit?: string } }>(`${APP_API_PREFIX}/rules/versions`, async (request) => {
        const limit = Number(request.query.limit ?? 50);
        const versions = await deps.storeRules.versions(request.params.storeHash, { limit: Number.isFinite(limit) ? limit : 50 });
        return { versions };
      });

      api.post<{ Params: { storeHash: string } }>(`${APP_API_PREFIX}/rules/rollback`, async (request) => {
        const body = RollbackBodySchema.safeParse(request.body);
        if (!body.success) throw invalid('the body must be {"version": n, "expectedVersion"?: n}');
        await installed(request.params.storeHash);
        const v = await deps.rules.rollback(request.params.storeHash, body.data.version, { author: author(request.appSession!), expectedVersion: body.data.expectedVersion });
        return { version: v.version, restoredVersion: v.restoredVersion, savedAtMs: v.savedAtMs, changes: v.changes, syncStarted: true };
      });

      api.get<{ Params: { storeHash: string } }>(`${APP_API_PREFIX}/categories`, async (request) => {
        const store = await installed(request.params.storeHash);
        return { categories: await listCategories(deps.clientFor(store)) };
      });

      /**
       * Dry run, streamed as NDJSON: `{"progress":{...}}` lines while pages are read, then one
       * `{"result":{...}}` (or `{"error":{...}}`). Closing the request cancels it: no more reads.
       */
      api.post<{ Params: { storeHash: string } }>(`${APP_API_PREFIX}/preview`, async (request, reply) => {
        const body = PreviewBodySchema.safeParse(request.body);
        if (!body.success) throw invalid('the body must be {"ruleSet": {...}, "sampleSize"?: n}');
        const ruleSet = parseRuleSet(body.data.ruleSet, 'rules');
        const store = await installed(request.params.storeHash);
        const abort = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        const out = new Readable({ read() {} });
        const line = (v: unknown) => out.push(`${JSON.stringify(v)}\n`);
        previewRules({
          client: deps.clientFor(store),
          ruleSet,
          nowMs: () => deps.clock.now(),
          sampleSize: body.data.sampleSize ?? deps.previewSampleSize ?? 10,
          signal: abort.signal,
          onProgress: (progress) => line({ progress }),
        })
          .then((result) => {
            log.info({ storeHash: store.storeHash, requests: result.requests, productsRead: result.productsRead, cancelled: result.cancelled }, 'preview done');
            line({ result });
          })
          .catch((err: unknown) => {
            log.error({ storeHash: store.storeHash, err }, 'preview failed');
            line({ error: { error: (err as AppError).code ?? 'APP_INTERNAL', message: (err as Error).message } });
          })
          .finally(() => out.push(null));
        return reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(out);
      });

      api.get<{ Params: { storeHash: string }; Querystring: Record<string, string> }>(`${APP_API_PREFIX}/explain`, async (request) => {
        const q = ExplainQuerySchema.safeParse(request.query);
        if (!q.success) throw invalid('give ?product=<id> or ?q=<name or SKU>');
        const store = await installed(request.params.storeHash);
        const client = deps.clientFor(store);
        if ('q' in q.data) return { matches: await searchProducts(client, q.data.q) };
        const ruleSet = store.ruleSet ?? { rules: [] };
        const explanation = await explainProduct(client, q.data.product, ruleSet, deps.clock.now());
        if (!explanation) throw new AppError(ErrorCode.APP_PRODUCT_NOT_FOUND, `product ${q.data.product} does not exist in this store`);
        if (!deps.history) return explanation;
        return { ...explanation, history: summarizeHistory(await deps.history.read(store.storeHash, q.data.product)) };
      });

      api.get<{ Params: { storeHash: string } }>(`${APP_API_PREFIX}/activity`, (request) => deps.activity.activity(request.params.storeHash));

      api.post<{ Params: { storeHash: string } }>(`${APP_API_PREFIX}/given-up/retry`, async (request) => {
        const body = RetryBodySchema.safeParse(request.body);
        if (!body.success) throw invalid('the body must be {"productIds": [id, ...]}');
        return { queued: await deps.activity.retryGivenUp(request.params.storeHash, body.data.productIds) };
      });
      done();
    });
  };
}
