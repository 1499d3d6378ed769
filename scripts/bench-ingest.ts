// npm run bench:ingest — throughput and p99 of POST /pubsub/push (OIDC verification on, every request a
// new event so each one is a Firestore commit on the emulator) beside a bare Fastify route that only
// parses the same body, measured in the same run with the same load. Prints figures; asserts nothing.
//   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50)
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { freePort, startEmulator, stopEmulatorAndWait } from './lib/emulators.ts';
import { mintToken, startCertsServer } from '../test/helpers/oidc.ts';
import { productEvent, wrappedPush } from '../test/helpers/push.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const AUD = 'https://bench.example.run.app';
const SA = 'push@bench.iam.gserviceaccount.com';
const root = join(import.meta.dirname, '..');

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not come up`);
}

async function load(url: string, token: string, store: string) {
  let i = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(wrappedPush(productEvent(store, 1 + (i++ % 50_000)))) }),
      },
    ],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, total: result.requests.total };
}

const firestore = await startEmulator('firestore');
const certs = await startCertsServer();
const children: ChildProcess[] = [];
try {
  const svcPort = await freePort();
  const svc = spawn(process.execPath, [join(root, 'src/main.ts')], {
    env: {
      ...process.env,
      PORT: String(svcPort),
      HOST: '127.0.0.1',
      GOOGLE_CLOUD_PROJECT: 'demo-bench-ingest',
      FIRESTORE_EMULATOR_HOST: firestore.host,
      METADATA_SERVER_DETECTION: 'none',
      PUSH_AUTH: 'oidc',
      PUSH_AUDIENCE: AUD,
      PUSH_SERVICE_ACCOUNT: SA,
      PUSH_CERTS_URL: certs.url,
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      FLUSH_TIMERS: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(svc);
  const bare = spawn(process.execPath, [join(root, 'scripts/lib/bare-server.ts')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(bare);
  const bareUrl = await new Promise<string>((resolve) => createInterface({ input: bare.stdout }).once('line', resolve));

  const svcUrl = `http://127.0.0.1:${svcPort}`;
  await waitHealthy(`${svcUrl}/healthz`, svc);
  const token = await mintToken({ aud: AUD, email: SA });
  // Warm both (JIT, connections, the emulator's first commits), then measure each in turn.
  await autocannon({ url: `${svcUrl}/pubsub/push`, connections: 10, amount: 500, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(wrappedPush(productEvent('warm', 1))) });
  const service = await load(`${svcUrl}/pubsub/push`, token, 'bench');
  const baseline = await load(`${bareUrl}/pubsub/push`, token, 'bare');

  const row = (name: string, r: typeof service) =>
    `${name.padEnd(44)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
  console.log(`bench:ingest — ${SECONDS} s per target, ${CONNECTIONS} connections, autocannon in this process, servers in child processes (Node ${process.version}, 2 cores shared)`);
  console.log(row('push route (oidc verify + Firestore commit)', service));
  console.log(row('bare Fastify route (parse JSON, 204)', baseline));
  console.log(`ratio service/bare: throughput ${(service.rps / baseline.rps).toFixed(3)}   p99 ${(service.p99 / Math.max(1, baseline.p99)).toFixed(1)}x`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await certs.close();
  await stopEmulatorAndWait(firestore);
}
