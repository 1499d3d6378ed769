// npm run local — the whole system on this machine, on the embedded default:
// Pub/Sub + Firestore emulators, the BigCommerce sandbox (one seeded store whose changes publish
// webhooks to the topic), a push subscription to the service, and the service itself.
// Ctrl-C stops everything it started. Ports and sizes can be changed with LOCAL_* variables.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { startEmulator, stopEmulatorAndWait, reapStale, writePids, forgetPids, EmulatorSetupError, type Emulator } from './lib/emulators.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { signedPayload } from '../src/sandbox/oauth.ts';

const root = join(import.meta.dirname, '..');
const stateDir = join(root, '.local');
const env = process.env;
const PROJECT = env.LOCAL_PROJECT ?? 'demo-local';
const SERVICE_PORT = Number(env.LOCAL_SERVICE_PORT ?? 8080);
const PUBSUB_PORT = Number(env.LOCAL_PUBSUB_PORT ?? 8085);
const FIRESTORE_PORT = Number(env.LOCAL_FIRESTORE_PORT ?? 8086);
const SANDBOX_PORT = Number(env.LOCAL_SANDBOX_PORT ?? 8090);
const STORE_HASH = env.LOCAL_STORE_HASH ?? 'localstore';
const STORE_TOKEN = env.LOCAL_STORE_TOKEN ?? 'local-access-token';
const PRODUCTS = Number(env.LOCAL_PRODUCTS ?? 200);
const TOPIC = env.LOCAL_TOPIC ?? 'bc-webhooks';

const DEFAULT_RULES = {
  rules: [
    { name: 'on-sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } },
    { name: 'low-stock', categoryId: 51, when: { all: [{ field: 'inventory_tracking', op: 'neq', value: 'none' }, { field: 'inventory_level', op: 'lte', value: 5 }] } },
    { name: 'featured', categoryId: 52, when: { field: 'is_featured', op: 'eq', value: true } },
  ],
};

const emulators: Emulator[] = [];
let sandbox: Sandbox | undefined;
let service: ChildProcess | undefined;
let pubsub: PubSub | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (service && service.exitCode === null) {
      const exited = new Promise((r) => service!.once('exit', r));
      service.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    await sandbox?.close().catch(() => undefined);
    await pubsub?.close().catch(() => undefined);
    await Promise.all(emulators.map((e) => stopEmulatorAndWait(e)));
    forgetPids(stateDir);
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  mkdirSync(stateDir, { recursive: true });
  reapStale(stateDir);
  const [ps, fs] = await Promise.all([startEmulator('pubsub', { port: PUBSUB_PORT }), startEmulator('firestore', { port: FIRESTORE_PORT })]);
  emulators.push(ps, fs);
  writePids(stateDir, emulators.map((e) => e.child.pid!));
  process.env.PUBSUB_EMULATOR_HOST = ps.host;
  process.env.FIRESTORE_EMULATOR_HOST = fs.host;
  process.env.METADATA_SERVER_DETECTION = 'none';

  pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: ps.host });
  const [topic] = await pubsub.createTopic(TOPIC);
  const topicPath = `projects/${PROJECT}/topics/${TOPIC}`;
  // No retry policy on the emulator: with one it loses deliveries after an endpoint outage (emulators.md).
  await topic.createSubscription(`${TOPIC}-push`, { pushConfig: { pushEndpoint: `http://127.0.0.1:${SERVICE_PORT}/pubsub/push` }, ackDeadlineSeconds: 30 });
  const [dlq] = await pubsub.createTopic(`${TOPIC}-dead-letter`);
  await dlq.createSubscription(`${TOPIC}-dead-letter-pull`);

  sandbox = await startSandbox({
    port: SANDBOX_PORT,
    pubsub: { projectId: PROJECT, apiEndpoint: ps.host },
    authCallbackUrl: `http://127.0.0.1:${SERVICE_PORT}/auth`,
    uninstallCallbackUrl: `http://127.0.0.1:${SERVICE_PORT}/uninstall`,
  });
  const store = sandbox.createStore({ hash: STORE_HASH, accessToken: STORE_TOKEN, defaultTopic: topicPath, seed: 1 });
  store.seedProducts(PRODUCTS, { seed: 1 });

  const rulesFile = env.CATEGORY_RULES_FILE ?? join(stateDir, 'rules.json');
  if (!existsSync(rulesFile)) writeFileSync(rulesFile, `${JSON.stringify(DEFAULT_RULES, null, 2)}\n`);

  // The merchant app's bundle, served by the service at /load (a few seconds; rebuilt every start).
  execFileSync(process.execPath, [join(root, 'web/build.ts')], { stdio: 'inherit' });

  service = spawn(process.execPath, [join(root, 'src/main.ts')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PORT: String(SERVICE_PORT),
      HOST: '127.0.0.1',
      GOOGLE_CLOUD_PROJECT: PROJECT,
      PUSH_AUTH: 'none',
      BIGCOMMERCE_API_URL: sandbox.url,
      BIGCOMMERCE_LOGIN_URL: sandbox.url,
      BIGCOMMERCE_STORE_HASH: STORE_HASH,
      BIGCOMMERCE_ACCESS_TOKEN: STORE_TOKEN,
      BIGCOMMERCE_CLIENT_ID: sandbox.clientId,
      BIGCOMMERCE_CLIENT_SECRET: sandbox.clientSecret,
      TOKEN_ENCRYPTION_KEY: env.TOKEN_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
      APP_URL: `http://127.0.0.1:${SERVICE_PORT}`,
      WEBHOOK_TOPIC: topicPath,
      CATEGORY_RULES_FILE: rulesFile,
      DEBOUNCE_WINDOW_SECONDS: env.DEBOUNCE_WINDOW_SECONDS ?? '3',
      DEBOUNCE_MAX_WAIT_SECONDS: env.DEBOUNCE_MAX_WAIT_SECONDS ?? '20',
    },
  });
  service.once('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`service exited (${String(code)}); stopping the local stack\n`);
      void shutdown(1);
    }
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${SERVICE_PORT}/healthz`)).ok) break;
    } catch {
      if (Date.now() > deadline) throw new Error('the service did not come up within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  // What BigCommerce sends when a merchant opens the app in the control panel (valid 24 h).
  const jwt = await signedPayload(STORE_HASH, { clientId: sandbox.clientId, secret: sandbox.clientSecret });
  process.stdout.write(
    [
      '',
      'local stack ready',
      `  open the app     http://127.0.0.1:${SERVICE_PORT}/load?signed_payload_jwt=${jwt}`,
      `  service          http://127.0.0.1:${SERVICE_PORT}   (GET /status, GET /healthz, POST /tasks/flush, POST /tasks/full-sync)`,
      `  sandbox          ${sandbox.url}   store ${STORE_HASH} (${PRODUCTS} products, token ${STORE_TOKEN})`,
      `  pubsub emulator  ${ps.host}   topic ${topicPath} -> push subscription ${TOPIC}-push`,
      `  firestore        ${fs.host}   project ${PROJECT}`,
      `  rules            ${rulesFile}`,
      '',
      '  make a change:   npm run sandbox:cli -- update 12 --sale-price 5      (or: bulk --count 100, delete 7, stats)',
      `  watch:           curl -s http://127.0.0.1:${SERVICE_PORT}/status`,
      '',
    ].join('\n') + '\n',
  );
} catch (err) {
  process.stderr.write(`${err instanceof EmulatorSetupError ? err.message : ((err as Error).stack ?? String(err))}\n`);
  await shutdown(1);
}
