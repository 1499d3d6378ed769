import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type RawServerDefault, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../clock.ts';
import { AppError, isAppError, ErrorCode } from '../errors.ts';
import { registerControlRoutes } from './control-routes.ts';
import { EventPublisher } from './event-publisher.ts';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, InstallGrants, signedPayload, TokenRequestSchema } from './oauth.ts';
import { SandboxStoreState } from './sandbox-store.ts';
import { cloneStats, emptyStats, sumStats } from './stats-counter.ts';
import { bcError, registerStoreRoutes } from './store-routes.ts';
import type { InstallGrant, Sandbox, SandboxOptions, SandboxStats, SandboxStore, SignedPayloadOptions, StoreOptions } from './types.ts';

const CONTROL_STATUS: Record<string, number> = {
  SANDBOX_STORE_NOT_FOUND: 404,
  SANDBOX_PRODUCT_NOT_FOUND: 404,
  SANDBOX_STORE_EXISTS: 409,
  SANDBOX_PRODUCT_EXISTS: 409,
};
const appErrorStatus = (e: AppError) => CONTROL_STATUS[e.code] ?? 400;

export class SandboxImpl implements Sandbox {
  url = '';
  readonly clientId: string;
  readonly clientSecret: string;
  readonly storeMap = new Map<string, SandboxStoreState>();
  readonly grants: InstallGrants;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly app: FastifyInstance;
  private readonly opts: SandboxOptions;

  constructor(opts: SandboxOptions, app: FastifyInstance) {
    this.opts = opts;
    this.app = app;
    this.clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
    this.clientSecret = opts.clientSecret ?? DEFAULT_CLIENT_SECRET;
    this.clock = opts.clock ?? systemClock;
    this.grants = new InstallGrants(this.clientId, this.clientSecret, opts.authCallbackUrl);
    this.publisher = new EventPublisher({
      projectId: opts.pubsub?.projectId ?? process.env.GOOGLE_CLOUD_PROJECT ?? process.env.PUBSUB_PROJECT_ID ?? 'demo-sandbox',
      apiEndpoint: opts.pubsub?.apiEndpoint,
      logger: opts.logger,
    });
  }

  createStore(opts: StoreOptions): SandboxStore {
    if (this.storeMap.has(opts.hash)) throw new AppError(ErrorCode.SANDBOX_STORE_EXISTS, `store ${opts.hash} already exists`);
    const store = new SandboxStoreState(opts, {
      clock: this.clock,
      publisher: this.publisher,
      appClientId: this.clientId,
      logger: this.opts.logger,
      onAppUninstalled: (hash) => this.callUninstallCallback(hash),
    });
    this.storeMap.set(opts.hash, store);
    return store;
  }

  /**
   * BigCommerce's server-to-server `GET {uninstall callback}?signed_payload_jwt=...` after an app
   * uninstall (reference §6). Returns the app's HTTP status, 0 when it could not be reached, or
   * undefined when no uninstall callback is registered. Not retried [U].
   */
  private async callUninstallCallback(hash: string): Promise<number | undefined> {
    const url = this.opts.uninstallCallbackUrl;
    if (!url) return undefined;
    const jwt = await this.signedPayload(hash);
    try {
      const res = await fetch(`${url}?signed_payload_jwt=${encodeURIComponent(jwt)}`, { signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      return res.status;
    } catch (err) {
      this.opts.logger?.warn({ hash, err }, 'sandbox uninstall callback failed');
      return 0;
    }
  }

  storeState(hash: string): SandboxStoreState {
    const s = this.storeMap.get(hash);
    if (!s) throw new AppError(ErrorCode.SANDBOX_STORE_NOT_FOUND, `unknown sandbox store: ${hash}`);
    return s;
  }

  store(hash: string): SandboxStore {
    return this.storeState(hash);
  }

  stores(): SandboxStore[] {
    return [...this.storeMap.values()];
  }

  summary(hash: string): Record<string, unknown> {
    const s = this.storeState(hash);
    return {
      hash: s.hash,
      storeId: s.storeId,
      apiUrl: `${this.url}/stores/${s.hash}/v3`,
      graphqlUrl: `${this.url}/stores/${s.hash}/graphql`,
      tokens: s.tokens(),
      products: s.products().length,
      hooks: s.hooks().length,
      uninstalled: s.uninstalled,
      quota: s.rate.quota,
      windowMs: s.rate.windowMs,
    };
  }

  stats(hash?: string): SandboxStats {
    if (hash !== undefined) return cloneStats(this.storeState(hash).stats);
    return sumStats([...this.storeMap.values()].map((s) => s.stats));
  }

  resetStats(): void {
    for (const s of this.storeMap.values()) s.stats = emptyStats();
  }

  install(hash: string, opts: { scope?: string; redirectUri?: string } = {}): InstallGrant {
    this.storeState(hash);
    return this.grants.issue(hash, this.clock.now(), opts);
  }

  signedPayload(hash: string, opts: SignedPayloadOptions = {}): Promise<string> {
    return signedPayload(hash, { clientId: this.clientId, secret: this.clientSecret, nowMs: this.clock.now(), ...opts });
  }

  private closing: Promise<void> | undefined;

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.publisher.flush();
      await this.app.close();
      await this.publisher.close();
    })();
    return this.closing;
  }
}

function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/**
 * Starts the sandbox: one HTTP server that plays api.bigcommerce.com (`/stores/{hash}/...`),
 * login.bigcommerce.com (`/oauth2/token`) and its own control plane (`/_sandbox/*`).
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  // pino's Logger and Fastify's base logger differ only in generics: pin Fastify's to the base type.
  const app: FastifyInstance = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 32 * 1024 * 1024,
    // URLs of several KB are the point of the 414 tests; Node's own header limit (16 KB) still applies.
    routerOptions: { maxParamLength: 1000 },
  });
  const sandbox = new SandboxImpl(opts, app);

  // Clients often send `content-type: application/json` on a body-less DELETE: accept that.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error('The request body is not valid JSON.') as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
  });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const control = req.url.startsWith('/_sandbox');
    if (isAppError(err)) {
      const status = appErrorStatus(err);
      if (control) return reply.code(status).send({ error: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
      return reply.code(status === 400 ? 422 : status).send(bcError(status === 400 ? 422 : status, err.message, (err.details?.errors as Record<string, string> | undefined) ?? {}));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) opts.logger?.error({ err }, 'sandbox request failed');
    if (control) return reply.code(status).send({ error: err.code ?? 'SANDBOX_ERROR', message: err.message });
    return reply.code(status).send(bcError(status, err.message));
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/stores/')) return reply.code(404).send(bcError(404, 'Not Found'));
    return reply.code(404).send({ error: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` });
  });

  registerStoreRoutes(app, { stores: sandbox.storeMap, clock: sandbox.clock });
  registerControlRoutes(app, sandbox);

  // login.bigcommerce.com: the OAuth code exchange of the app install flow (reference §6).
  app.post('/oauth2/token', (req, reply) => {
    const parsed = TokenRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({ error: 'invalid_request', error_description: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    }
    const result = sandbox.grants.exchange(parsed.data, sandbox.clock.now());
    if (!result.ok) return reply.code(result.status).send(result.body);
    const store = sandbox.storeMap.get(result.hash);
    if (!store) return reply.code(400).send({ error: 'invalid_grant', error_description: 'The store no longer exists' });
    store.addToken(result.accessToken, sandbox.clientId, result.scope.split(/\s+/).filter(Boolean));
    return result.body;
  });

  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const host = opts.host ?? '127.0.0.1';
  sandbox.url = `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  opts.logger?.info({ address, url: sandbox.url }, 'sandbox listening');
  return sandbox;
}
