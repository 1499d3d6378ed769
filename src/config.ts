import { z } from 'zod';

/**
 * Every setting the service reads, parsed once at start-up. A bad or missing value fails start-up
 * with one message that lists every problem. The variable names are the operator contract
 * (Terraform, README): rename nothing without a migration note.
 */
const seconds = (def: number) => z.coerce.number().int().positive().default(def);
const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? def : ['true', '1', 'yes'].includes(v)));
const csv = () =>
  z
    .string()
    .optional()
    .transform((v) =>
      v === undefined || v.trim() === ''
        ? undefined
        : v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    );

/** One entry of the token keyring (stores/token-cipher.ts). */
export interface TokenKey {
  /** Written into every token it seals. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}
/** The key id TOKEN_ENCRYPTION_KEY (a single key, no id of its own) is known by. */
export const DEFAULT_KEY_ID = 'default';
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export const PUSH_AUTH_MODES = ['none', 'iam', 'oidc'] as const;
export type PushAuthMode = (typeof PUSH_AUTH_MODES)[number];

const EnvSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('0.0.0.0'),
    GOOGLE_CLOUD_PROJECT: z.string().min(1, 'GOOGLE_CLOUD_PROJECT is required (the project that holds Firestore and Pub/Sub)'),
    FIRESTORE_EMULATOR_HOST: optionalString,
    PUBSUB_EMULATOR_HOST: optionalString,
    FIRESTORE_DATABASE_ID: z.string().default('(default)'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_PRETTY: z.enum(['true', 'false', 'auto']).default('auto'),
    /** Set by Cloud Run; names this instance's revision in flush leases. */
    K_REVISION: z.string().default('local'),

    // Push route
    PUSH_AUTH: z.enum(PUSH_AUTH_MODES, { message: `PUSH_AUTH must be one of ${PUSH_AUTH_MODES.join(', ')}` }).default('oidc'),
    PUSH_AUDIENCE: optionalString,
    PUSH_SERVICE_ACCOUNT: optionalString,
    /** The account Cloud Scheduler signs /tasks/* calls with (defaults to PUSH_SERVICE_ACCOUNT). */
    SCHEDULER_SERVICE_ACCOUNT: optionalString,
    /** Override of Google's OIDC signing certs URL (tests point it at a local key server). */
    PUSH_CERTS_URL: optionalString,
    DEDUPE_TTL_HOURS: z.coerce.number().positive().default(72),
    /** Longest the push path waits on Firestore before answering 503 (well inside the ack deadline). */
    PUSH_STORE_BUDGET_MS: z.coerce.number().int().positive().default(5_000),
    MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),

    // BigCommerce
    BIGCOMMERCE_API_URL: z.url().default('https://api.bigcommerce.com'),
    BIGCOMMERCE_LOGIN_URL: z.url().default('https://login.bigcommerce.com'),
    BIGCOMMERCE_STORE_HASH: optionalString,
    BIGCOMMERCE_ACCESS_TOKEN: optionalString,
    BIGCOMMERCE_CLIENT_ID: optionalString,
    BIGCOMMERCE_CLIENT_SECRET: optionalString,
    /** Public base URL of this service (OAuth redirect_uri = APP_URL + /auth); required with BIGCOMMERCE_CLIENT_ID. */
    APP_URL: optionalString,
    /** 32-byte key (base64 or 64 hex chars) that encrypts stored access tokens (one key, id `default`). */
    TOKEN_ENCRYPTION_KEY: optionalString,
    /** Keyring `id:key,id:key,...`: the first seals new tokens, all of them read (key rotation). */
    TOKEN_ENCRYPTION_KEYS: optionalString,
    /** Requests per minute per client address on the public app callbacks (/auth, /load, /uninstall, /remove_user). */
    CALLBACK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60),
    /**
     * Origins allowed to frame the app callbacks (CSP frame-ancestors), comma-separated. Default:
     * BigCommerce's control panel (src/stores/callback-protection.ts). Tests set their own page's origin.
     */
    APP_FRAME_ANCESTORS: csv(),
    BC_REQUEST_BUDGET_MS: z.coerce.number().int().positive().default(60_000),
    BC_FETCH_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
    /** Keep this many requests of the store's shared quota for other apps. */
    BC_RATE_LIMIT_RESERVE: z.coerce.number().int().min(0).default(5),
    /** Pairs per category-assignment PUT; no limit is documented, so conservative (halved on 413 / size 422). */
    BC_CATEGORY_ASSIGN_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),

    // Flush
    DEBOUNCE_WINDOW_SECONDS: seconds(10),
    DEBOUNCE_MAX_WAIT_SECONDS: seconds(60),
    /** A crashed syncer's store is free again after this; the holder renews every third of it (heartbeat). */
    FLUSH_LEASE_SECONDS: seconds(30),
    /** Store syncs running at once in one instance (the fair scheduler's slots). */
    FLUSH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    MISSING_PRODUCT_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(6),
    MISSING_PRODUCT_RETRY_SECONDS: seconds(5),
    /** A read older than the product's newest event by more than this is stale (BigCommerce stamps
     * follow-up events of one change up to a few seconds later than the change itself). */
    STALE_READ_TOLERANCE_SECONDS: z.coerce.number().int().min(0).default(10),
    /** The one re-read of a product whose read looked stale happens this much later (eventual consistency lag). */
    STALE_READ_RETRY_SECONDS: seconds(25),
    FLUSH_TIMERS: bool(true),
    /** Longest one run of a store works (a pending sync's chunks, a full-sync job's pages) before handing the store back; the rest is due at once. */
    SYNC_SLICE_SECONDS: seconds(120),
    /** Longest POST /tasks/full-sync drives jobs before answering (well inside Cloud Run's request timeout). */
    FULL_SYNC_REQUEST_BUDGET_SECONDS: seconds(300),
    CATEGORY_RULES_FILE: optionalString,

    // Webhooks lifecycle
    WEBHOOK_TOPIC: optionalString,
    /** Unset: the defaults of bigcommerce/scopes.ts (applied by desiredWebhooks). */
    WEBHOOK_SCOPES: csv(),
    BACKFILL_SILENCE_HOURS: z.coerce.number().positive().default(24),

    // Operator CLI
    /** The dead-letter pull subscription `npm run cli -- dead-letter` reads (terraform output). */
    DEAD_LETTER_SUBSCRIPTION: optionalString,
  })
  .superRefine((env, ctx) => {
    if (env.PUSH_AUTH !== 'none') {
      // iam too: Cloud Run accepts any of the service's audiences, so the app pins the one it expects.
      if (!env.PUSH_AUDIENCE) {
        ctx.addIssue({ code: 'custom', path: ['PUSH_AUDIENCE'], message: `PUSH_AUDIENCE is required when PUSH_AUTH=${env.PUSH_AUTH} (the audience set on the push subscription)` });
      }
      if (!env.PUSH_SERVICE_ACCOUNT) {
        ctx.addIssue({ code: 'custom', path: ['PUSH_SERVICE_ACCOUNT'], message: `PUSH_SERVICE_ACCOUNT is required when PUSH_AUTH=${env.PUSH_AUTH} (the push subscription's service account)` });
      }
    }
    if (env.BIGCOMMERCE_CLIENT_ID && !env.APP_URL) {
      // The token exchange must send redirect_uri = the app's registered auth callback, or BigCommerce refuses every install.
      ctx.addIssue({
        code: 'custom',
        path: ['APP_URL'],
        message: 'APP_URL is required when BIGCOMMERCE_CLIENT_ID is set: the public base URL of this service, whose /auth is the auth callback registered for the app (sent as the OAuth redirect_uri)',
      });
    }
    if (env.APP_URL && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(env.APP_URL)) {
      ctx.addIssue({ code: 'custom', path: ['APP_URL'], message: 'APP_URL must be an absolute http(s) URL without query or fragment, e.g. https://app.example.com' });
    }
    if (Boolean(env.BIGCOMMERCE_STORE_HASH) !== Boolean(env.BIGCOMMERCE_ACCESS_TOKEN)) {
      ctx.addIssue({ code: 'custom', path: ['BIGCOMMERCE_ACCESS_TOKEN'], message: 'BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN go together (single-store mode)' });
    }
    if (env.DEBOUNCE_MAX_WAIT_SECONDS < env.DEBOUNCE_WINDOW_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['DEBOUNCE_MAX_WAIT_SECONDS'], message: 'DEBOUNCE_MAX_WAIT_SECONDS must be at least DEBOUNCE_WINDOW_SECONDS' });
    }
    if (env.TOKEN_ENCRYPTION_KEY && decodeKey(env.TOKEN_ENCRYPTION_KEY) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEY'], message: 'TOKEN_ENCRYPTION_KEY must be 32 bytes, as base64 or 64 hex characters' });
    }
    if (env.TOKEN_ENCRYPTION_KEY && env.TOKEN_ENCRYPTION_KEYS) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEYS'], message: `TOKEN_ENCRYPTION_KEYS and TOKEN_ENCRYPTION_KEY are exclusive: put the single key into the keyring as ${DEFAULT_KEY_ID}:<key>` });
    }
    if (env.TOKEN_ENCRYPTION_KEYS) {
      const ring = parseKeyring(env.TOKEN_ENCRYPTION_KEYS);
      if (!ring.ok) ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEYS'], message: `TOKEN_ENCRYPTION_KEYS: ${ring.problem}` });
    }
  });

/** Every environment variable the service and the CLI read (README's configuration table lists exactly these). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

/** A 32-byte key from base64 or hex, or undefined when it is neither. */
export function decodeKey(v: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(v)) return Buffer.from(v, 'hex');
  const b = Buffer.from(v, 'base64');
  return b.length === 32 ? b : undefined;
}

/**
 * `id:key,id:key` (first = current). Ids follow KEY_ID_PATTERN and are unique; keys are 32 bytes as
 * base64 or hex. Problems name the entry by position, never echo a key.
 */
export function parseKeyring(v: string): { ok: true; keys: TokenKey[] } | { ok: false; problem: string } {
  const keys: TokenKey[] = [];
  const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) return { ok: false, problem: 'no keys' };
  for (const [i, entry] of entries.entries()) {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep) : '';
    if (!KEY_ID_PATTERN.test(id)) return { ok: false, problem: `entry ${i + 1} must be id:key with an id of 1-32 characters A-Z a-z 0-9 _ -` };
    const key = decodeKey(entry.slice(sep + 1));
    if (!key) return { ok: false, problem: `key ${id} must be 32 bytes, as base64 or 64 hex characters` };
    if (keys.some((k) => k.id === id)) return { ok: false, problem: `key id ${id} appears twice` };
    keys.push({ id, key });
  }
  return { ok: true, keys };
}

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  revision: string;
  projectId: string;
  firestoreDatabaseId: string;
  emulators: { firestore: string | undefined; pubsub: string | undefined };
  log: { level: Env['LOG_LEVEL']; pretty: boolean | undefined };
  push: {
    auth: PushAuthMode;
    audience: string | undefined;
    serviceAccount: string | undefined;
    schedulerServiceAccount: string | undefined;
    certsUrl: string | undefined;
    dedupeTtlHours: number;
    storeBudgetMs: number;
    maxBodyBytes: number;
  };
  bigcommerce: {
    apiUrl: string;
    loginUrl: string;
    singleStore: { storeHash: string; accessToken: string } | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    appUrl: string | undefined;
    /** The token keyring, current key first; undefined when no key is configured. */
    tokenKeys: TokenKey[] | undefined;
    callbackRateLimitPerMinute: number;
    /** CSP frame-ancestors of the app callbacks; undefined = BigCommerce's control panel. */
    frameAncestors: string[] | undefined;
    requestBudgetMs: number;
    fetchConcurrency: number;
    rateLimitReserve: number;
    categoryAssignBatchSize: number;
  };
  flush: {
    windowMs: number;
    maxWaitMs: number;
    leaseMs: number;
    concurrency: number;
    missingMaxAttempts: number;
    missingRetryMs: number;
    staleToleranceMs: number;
    staleRetryMs: number;
    timers: boolean;
    rulesFile: string | undefined;
    sliceMs: number;
    fullSyncRequestBudgetMs: number;
  };
  webhooks: {
    topic: string | undefined;
    /** undefined = DEFAULT_WEBHOOK_SCOPES (bigcommerce/scopes.ts). */
    scopes: string[] | undefined;
    backfillSilenceMs: number;
  };
  deadLetter: {
    subscription: string | undefined;
  };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function tokenKeysOf(e: Env): TokenKey[] | undefined {
  if (e.TOKEN_ENCRYPTION_KEYS) {
    const ring = parseKeyring(e.TOKEN_ENCRYPTION_KEYS);
    return ring.ok ? ring.keys : undefined;
  }
  const key = e.TOKEN_ENCRYPTION_KEY ? decodeKey(e.TOKEN_ENCRYPTION_KEY) : undefined;
  return key ? [{ id: DEFAULT_KEY_ID, key }] : undefined;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join('.');
        return i.message.includes(key) ? i.message : `${key}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    revision: e.K_REVISION,
    projectId: e.GOOGLE_CLOUD_PROJECT,
    firestoreDatabaseId: e.FIRESTORE_DATABASE_ID,
    emulators: { firestore: e.FIRESTORE_EMULATOR_HOST, pubsub: e.PUBSUB_EMULATOR_HOST },
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY === 'auto' ? undefined : e.LOG_PRETTY === 'true' },
    push: {
      auth: e.PUSH_AUTH,
      audience: e.PUSH_AUDIENCE,
      serviceAccount: e.PUSH_SERVICE_ACCOUNT,
      schedulerServiceAccount: e.SCHEDULER_SERVICE_ACCOUNT ?? e.PUSH_SERVICE_ACCOUNT,
      certsUrl: e.PUSH_CERTS_URL,
      dedupeTtlHours: e.DEDUPE_TTL_HOURS,
      storeBudgetMs: e.PUSH_STORE_BUDGET_MS,
      maxBodyBytes: e.MAX_BODY_BYTES,
    },
    bigcommerce: {
      apiUrl: e.BIGCOMMERCE_API_URL.replace(/\/+$/, ''),
      loginUrl: e.BIGCOMMERCE_LOGIN_URL.replace(/\/+$/, ''),
      singleStore:
        e.BIGCOMMERCE_STORE_HASH && e.BIGCOMMERCE_ACCESS_TOKEN ? { storeHash: e.BIGCOMMERCE_STORE_HASH, accessToken: e.BIGCOMMERCE_ACCESS_TOKEN } : undefined,
      clientId: e.BIGCOMMERCE_CLIENT_ID,
      clientSecret: e.BIGCOMMERCE_CLIENT_SECRET,
      appUrl: e.APP_URL?.replace(/\/+$/, ''),
      tokenKeys: tokenKeysOf(e),
      callbackRateLimitPerMinute: e.CALLBACK_RATE_LIMIT_PER_MINUTE,
      frameAncestors: e.APP_FRAME_ANCESTORS,
      requestBudgetMs: e.BC_REQUEST_BUDGET_MS,
      fetchConcurrency: e.BC_FETCH_CONCURRENCY,
      rateLimitReserve: e.BC_RATE_LIMIT_RESERVE,
      categoryAssignBatchSize: e.BC_CATEGORY_ASSIGN_BATCH_SIZE,
    },
    flush: {
      windowMs: e.DEBOUNCE_WINDOW_SECONDS * 1000,
      maxWaitMs: e.DEBOUNCE_MAX_WAIT_SECONDS * 1000,
      leaseMs: e.FLUSH_LEASE_SECONDS * 1000,
      concurrency: e.FLUSH_CONCURRENCY,
      missingMaxAttempts: e.MISSING_PRODUCT_MAX_ATTEMPTS,
      missingRetryMs: e.MISSING_PRODUCT_RETRY_SECONDS * 1000,
      staleToleranceMs: e.STALE_READ_TOLERANCE_SECONDS * 1000,
      staleRetryMs: e.STALE_READ_RETRY_SECONDS * 1000,
      timers: e.FLUSH_TIMERS,
      sliceMs: e.SYNC_SLICE_SECONDS * 1000,
      fullSyncRequestBudgetMs: e.FULL_SYNC_REQUEST_BUDGET_SECONDS * 1000,
      rulesFile: e.CATEGORY_RULES_FILE,
    },
    webhooks: {
      topic: e.WEBHOOK_TOPIC,
      scopes: e.WEBHOOK_SCOPES,
      backfillSilenceMs: e.BACKFILL_SILENCE_HOURS * 3_600_000,
    },
    deadLetter: { subscription: e.DEAD_LETTER_SUBSCRIPTION },
  };
}
