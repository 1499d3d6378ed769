/**
 * `npm run sandbox`: a standalone BigCommerce sandbox with one store, for `npm run local` and manual
 * work. Flags win over environment variables:
 *
 *   --port N            SANDBOX_PORT, PORT (default 8090; 0 = any free port)
 *   --host H            SANDBOX_HOST (default 127.0.0.1)
 *   --hash H            SANDBOX_STORE_HASH, BIGCOMMERCE_STORE_HASH (default sandbox1)
 *   --token T           SANDBOX_ACCESS_TOKEN, BIGCOMMERCE_ACCESS_TOKEN (default sandbox-token)
 *   --seed-count N      SANDBOX_SEED_COUNT (default 100)   --seed N  SANDBOX_SEED (default 1)
 *   --topic T           SANDBOX_TOPIC: the store's defaultTopic (projects/P/topics/T); none by default
 *   --project P         SANDBOX_PUBSUB_PROJECT, GOOGLE_CLOUD_PROJECT (default demo-local)
 *   --create-topic      create --topic in the emulator if missing (default: on when PUBSUB_EMULATOR_HOST is set)
 *   --quota N --window-ms N --consistency-delay-ms N
 *   --client-id --client-secret   BIGCOMMERCE_CLIENT_ID / BIGCOMMERCE_CLIENT_SECRET
 *   --auth-callback-url          the app's registered auth callback (token exchanges must send it); default $APP_URL/auth
 *   --uninstall-callback-url     called with a signed payload when the app is uninstalled; default $APP_URL/uninstall
 *   --no-store          start without a store (create them through the control plane)
 *
 * Prints the URL and credentials on stdout, then one machine-readable line `SANDBOX_READY {json}`;
 * logs (LOG_LEVEL, default info) go to stderr as JSON.
 * SIGINT/SIGTERM flush pending events and stop cleanly.
 */
import { PubSub } from '@google-cloud/pubsub';
import { pino } from 'pino';
import { parseArgv } from './argv.ts';
import { startSandbox } from './start-sandbox.ts';

const { flags } = parseArgv(process.argv.slice(2));
const env = process.env;
const str = (flag: string, ...envs: (string | undefined)[]): string | undefined => {
  const f = flags[flag];
  if (typeof f === 'string') return f;
  return envs.find((v) => v !== undefined && v !== '');
};
const num = (flag: string, def: number | undefined, ...envs: (string | undefined)[]): number | undefined => {
  const v = str(flag, ...envs);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n)) {
    process.stderr.write(`--${flag}: not a number: ${v}\n`);
    process.exit(2);
  }
  return n;
};

const projectId = str('project', env.SANDBOX_PUBSUB_PROJECT, env.GOOGLE_CLOUD_PROJECT) ?? 'demo-local';
// Logs go to stderr so stdout carries only the banner and the SANDBOX_READY line.
const logger = pino({ level: env.LOG_LEVEL ?? 'info', base: { service: 'bigcommerce-sandbox' } }, pino.destination(2));
const hash = str('hash', env.SANDBOX_STORE_HASH, env.BIGCOMMERCE_STORE_HASH) ?? 'sandbox1';
const accessToken = str('token', env.SANDBOX_ACCESS_TOKEN, env.BIGCOMMERCE_ACCESS_TOKEN) ?? 'sandbox-token';
const topic = str('topic', env.SANDBOX_TOPIC);
const createTopic = flags['create-topic'] === undefined ? Boolean(env.PUBSUB_EMULATOR_HOST) : flags['create-topic'] !== false && flags['create-topic'] !== 'false';
const clientId = str('client-id', env.BIGCOMMERCE_CLIENT_ID);
const clientSecret = str('client-secret', env.BIGCOMMERCE_CLIENT_SECRET);
const appUrl = env.APP_URL?.replace(/\/+$/, '');
const authCallbackUrl = str('auth-callback-url', appUrl ? `${appUrl}/auth` : undefined);
const uninstallCallbackUrl = str('uninstall-callback-url', appUrl ? `${appUrl}/uninstall` : undefined);

if (topic && createTopic) {
  const pubsub = new PubSub({ projectId });
  const [exists] = await pubsub.topic(topic).exists();
  if (!exists) {
    await pubsub.createTopic(topic);
    logger.info({ topic }, 'sandbox topic created');
  }
  await pubsub.close();
}

const sandbox = await startSandbox({
  port: num('port', 8090, env.SANDBOX_PORT, env.PORT),
  host: str('host', env.SANDBOX_HOST) ?? '127.0.0.1',
  pubsub: { projectId },
  ...(clientId ? { clientId } : {}),
  ...(clientSecret ? { clientSecret } : {}),
  ...(authCallbackUrl ? { authCallbackUrl } : {}),
  ...(uninstallCallbackUrl ? { uninstallCallbackUrl } : {}),
  logger,
});

// Handlers go in before the READY line: a supervisor may signal as soon as it reads it.
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'sandbox stopping');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  sandbox.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'sandbox stop failed');
      process.exit(1);
    },
  );
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));

let storeInfo: Record<string, unknown> | undefined;
if (flags.store !== false) {
  const quota = num('quota', undefined, env.SANDBOX_QUOTA);
  const windowMs = num('window-ms', undefined, env.SANDBOX_WINDOW_MS);
  const consistencyDelayMs = num('consistency-delay-ms', undefined, env.SANDBOX_CONSISTENCY_DELAY_MS);
  const store = sandbox.createStore({
    hash,
    accessToken,
    ...(topic ? { defaultTopic: topic } : {}),
    ...(quota === undefined ? {} : { quota }),
    ...(windowMs === undefined ? {} : { windowMs }),
    ...(consistencyDelayMs === undefined ? {} : { consistencyDelayMs }),
  });
  const seeded = store.seedProducts(num('seed-count', 100, env.SANDBOX_SEED_COUNT) ?? 100, { seed: num('seed', 1, env.SANDBOX_SEED) ?? 1 });
  storeInfo = { hash, accessToken, products: seeded.length, defaultTopic: topic ?? null };
}

const ready = {
  url: sandbox.url,
  apiUrl: sandbox.url,
  loginUrl: sandbox.url,
  controlUrl: `${sandbox.url}/_sandbox`,
  clientId: sandbox.clientId,
  clientSecret: sandbox.clientSecret,
  store: storeInfo ?? null,
};
process.stdout.write(
  [
    `BigCommerce sandbox listening on ${sandbox.url}`,
    ...(storeInfo
      ? [
          `  store hash:    ${hash}`,
          `  access token:  ${accessToken}`,
          `  REST:          ${sandbox.url}/stores/${hash}/v3/catalog/products`,
          `  GraphQL:       ${sandbox.url}/stores/${hash}/graphql`,
          `  events topic:  ${topic ?? '(none: register a webhook via GraphQL, or pass --topic)'}`,
        ]
      : []),
    `  service env:   BIGCOMMERCE_API_URL=${sandbox.url} BIGCOMMERCE_LOGIN_URL=${sandbox.url}`,
    `  control plane: ${sandbox.url}/_sandbox  (node src/sandbox/cli.ts --url ${sandbox.url} stats)`,
    `SANDBOX_READY ${JSON.stringify(ready)}`,
    '',
  ].join('\n'),
);

