import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const minimal = { GOOGLE_CLOUD_PROJECT: 'p', PUSH_AUTH: 'none' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(minimal);
    expect(c).toMatchObject({
      port: 8080,
      projectId: 'p',
      push: { auth: 'none', dedupeTtlHours: 72, maxBodyBytes: 1_048_576 },
      bigcommerce: { apiUrl: 'https://api.bigcommerce.com', singleStore: undefined, categoryAssignBatchSize: 50 },
      flush: { windowMs: 10_000, maxWaitMs: 60_000 },
      deadLetter: { subscription: undefined },
      // Unset scopes mean bigcommerce/scopes.ts DEFAULT_WEBHOOK_SCOPES (applied by desiredWebhooks).
      webhooks: { scopes: undefined },
    });
  });

  it('reads the operator contract names', () => {
    const c = loadConfig({
      ...minimal,
      PORT: '9000',
      PUSH_AUTH: 'oidc',
      PUSH_AUDIENCE: 'https://svc',
      PUSH_SERVICE_ACCOUNT: 'push@p.iam.gserviceaccount.com',
      DEDUPE_TTL_HOURS: '1',
      FIRESTORE_EMULATOR_HOST: '127.0.0.1:8086',
      BIGCOMMERCE_STORE_HASH: 'abc',
      BIGCOMMERCE_ACCESS_TOKEN: 'tok',
      WEBHOOK_SCOPES: 'store/product/*, store/app/uninstalled',
      TOKEN_ENCRYPTION_KEY: 'a'.repeat(64),
      DEAD_LETTER_SUBSCRIPTION: 'bc-webhooks-dead-letter-pull',
    });
    expect(c.port).toBe(9000);
    expect(c.deadLetter.subscription).toBe('bc-webhooks-dead-letter-pull');
    expect(c.push).toMatchObject({ auth: 'oidc', audience: 'https://svc', serviceAccount: 'push@p.iam.gserviceaccount.com', schedulerServiceAccount: 'push@p.iam.gserviceaccount.com', dedupeTtlHours: 1 });
    expect(c.emulators.firestore).toBe('127.0.0.1:8086');
    expect(c.bigcommerce.singleStore).toEqual({ storeHash: 'abc', accessToken: 'tok' });
    expect(c.webhooks.scopes).toEqual(['store/product/*', 'store/app/uninstalled']);
    expect(c.bigcommerce.tokenKeys).toEqual([{ id: 'default', key: Buffer.from('a'.repeat(64), 'hex') }]);
  });

  it('lists every problem in one error', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', PUSH_AUTH: 'maybe', DEDUPE_TTL_HOURS: '-1', BIGCOMMERCE_STORE_HASH: 'abc' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const key of ['GOOGLE_CLOUD_PROJECT', 'PORT', 'PUSH_AUTH', 'DEDUPE_TTL_HOURS']) expect(problems).toContain(key);
    expect((err as ConfigError).problems.length).toBeGreaterThanOrEqual(4);
  });

  it.each([
    [{ PUSH_AUTH: 'oidc' }, ['PUSH_AUDIENCE', 'PUSH_SERVICE_ACCOUNT']],
    [{ PUSH_AUTH: 'iam' }, ['PUSH_AUDIENCE', 'PUSH_SERVICE_ACCOUNT']],
    [{ PUSH_AUTH: 'iam', PUSH_SERVICE_ACCOUNT: 'push@p.iam.gserviceaccount.com' }, ['PUSH_AUDIENCE']],
    [{ TOKEN_ENCRYPTION_KEYS: 'k1:short' }, ['TOKEN_ENCRYPTION_KEYS', 'key k1']],
    [{ TOKEN_ENCRYPTION_KEYS: `${'a'.repeat(64)}` }, ['TOKEN_ENCRYPTION_KEYS', 'entry 1']],
    [{ TOKEN_ENCRYPTION_KEYS: `k1:${'a'.repeat(64)},k1:${'b'.repeat(64)}` }, ['appears twice']],
    [{ TOKEN_ENCRYPTION_KEYS: `bad id:${'a'.repeat(64)}` }, ['entry 1']],
    [{ TOKEN_ENCRYPTION_KEYS: `k1:${'a'.repeat(64)}`, TOKEN_ENCRYPTION_KEY: 'b'.repeat(64) }, ['exclusive']],
    [{ BIGCOMMERCE_ACCESS_TOKEN: 't' }, ['BIGCOMMERCE_STORE_HASH']],
    [{ DEBOUNCE_WINDOW_SECONDS: '30', DEBOUNCE_MAX_WAIT_SECONDS: '10' }, ['DEBOUNCE_MAX_WAIT_SECONDS']],
    [{ TOKEN_ENCRYPTION_KEY: 'short' }, ['TOKEN_ENCRYPTION_KEY']],
    [{ BIGCOMMERCE_API_URL: 'not a url' }, ['BIGCOMMERCE_API_URL']],
    [{ BIGCOMMERCE_CLIENT_ID: 'cid', APP_URL: 'app.example.com/auth' }, ['APP_URL must be an absolute http(s) URL']],
    [{ BC_CATEGORY_ASSIGN_BATCH_SIZE: '0' }, ['BC_CATEGORY_ASSIGN_BATCH_SIZE']],
  ])('refuses %j', (env, keys) => {
    expect(() => loadConfig({ ...minimal, ...env })).toThrow(ConfigError);
    try {
      loadConfig({ ...minimal, ...env });
    } catch (e) {
      for (const k of keys) expect((e as ConfigError).message).toContain(k);
    }
  });

  it('with a client id (the app install flow), APP_URL is required: one clear problem naming it', () => {
    let err: unknown;
    try {
      loadConfig({ ...minimal, BIGCOMMERCE_CLIENT_ID: 'cid', BIGCOMMERCE_CLIENT_SECRET: 'secret' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      'APP_URL is required when BIGCOMMERCE_CLIENT_ID is set: the public base URL of this service, whose /auth is the auth callback registered for the app (sent as the OAuth redirect_uri)',
    ]);
    expect(loadConfig({ ...minimal, BIGCOMMERCE_CLIENT_ID: 'cid', APP_URL: 'https://app.example.com/' }).bigcommerce.appUrl).toBe('https://app.example.com');
    expect(loadConfig(minimal).bigcommerce.appUrl).toBeUndefined();
  });

  it('defaults to oidc, so an unconfigured deployment refuses unauthenticated pushes', () => {
    expect(() => loadConfig({ GOOGLE_CLOUD_PROJECT: 'p' })).toThrow(/PUSH_AUDIENCE/);
  });
});
