// The whole pipeline on this machine for the storm test and bench:pipeline: BigCommerce sandbox (in this
// process) -> Pub/Sub emulator topic -> push subscription -> (round-robin proxy) -> N real service
// processes -> Firestore emulator, and back to the sandbox for reads and category writes.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { startSandbox, type Sandbox, type SandboxStore } from '../../src/sandbox/index.ts';
import { startService, type ServiceProcess } from '../../test/helpers/service.ts';
import { RULES_JSON, expectedManaged, managedOf } from './storm.ts';

export interface PipelineOptions {
  pubsubHost: string;
  firestoreHost: string;
  projectId: string;
  storeHash: string;
  products: number;
  instances: number;
  env?: Record<string, string>;
  logLevel?: string;
}

export interface ServiceStatus {
  events: { accepted: number; duplicate: number; rejected: number; unavailable: number };
  pending: Record<string, number>;
  flush: { flushes: number; failures: number };
}

export interface Pipeline {
  sandbox: Sandbox;
  store: SandboxStore;
  services: ServiceProcess[];
  topicPath: string;
  statuses(): Promise<ServiceStatus[]>;
  /** Products whose managed categories differ from what the rules say (true sandbox state). */
  wrongProducts(): number[];
  close(): Promise<void>;
}

/** Alternates requests between upstreams, like a load balancer in front of several instances. */
async function startRoundRobinProxy(upstreams: string[]): Promise<{ url: string; server: Server }> {
  let next = 0;
  const server = createServer((req, res) => {
    const target = new URL(upstreams[next++ % upstreams.length]!);
    const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502).end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

export async function startPipeline(o: PipelineOptions): Promise<Pipeline> {
  const sandbox = await startSandbox({ pubsub: { projectId: o.projectId, apiEndpoint: o.pubsubHost } });
  const pubsub = new PubSub({ projectId: o.projectId, apiEndpoint: o.pubsubHost });
  const topicName = `storm-${Date.now()}`;
  const [topic] = await pubsub.createTopic(topicName);
  const topicPath = `projects/${o.projectId}/topics/${topicName}`;
  const token = `token-${o.storeHash}`;
  const store = sandbox.createStore({ hash: o.storeHash, accessToken: token, defaultTopic: topicPath, seed: 7 });
  store.seedProducts(o.products, { seed: 7 });

  const dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
  const rulesFile = join(dir, 'rules.json');
  writeFileSync(rulesFile, JSON.stringify(RULES_JSON));
  const logs: Record<string, unknown>[] = [];
  const services: ServiceProcess[] = [];
  for (let i = 0; i < o.instances; i++) {
    services.push(
      await startService(
        {
          GOOGLE_CLOUD_PROJECT: o.projectId,
          FIRESTORE_EMULATOR_HOST: o.firestoreHost,
          PUSH_AUTH: 'none',
          LOG_LEVEL: o.logLevel ?? 'info',
          BIGCOMMERCE_API_URL: sandbox.url,
          BIGCOMMERCE_STORE_HASH: o.storeHash,
          BIGCOMMERCE_ACCESS_TOKEN: token,
          CATEGORY_RULES_FILE: rulesFile,
          K_REVISION: `instance-${i}`,
          ...o.env,
        },
        { logs },
      ),
    );
  }
  const proxy = o.instances > 1 ? await startRoundRobinProxy(services.map((s) => s.url)) : undefined;
  const endpoint = `${proxy?.url ?? services[0]!.url}/pubsub/push`;
  // The first sync of an installed store: bring every product in line with the rules before the storm.
  const sync = await fetch(`${services[0]!.url}/tasks/full-sync?store=${o.storeHash}`, { method: 'POST' });
  if (!sync.ok) throw new Error(`first full sync failed: ${sync.status} ${await sync.text()}`);
  sandbox.resetStats();
  // No retry policy on the emulator (it loses deliveries after an outage when one is set).
  await topic.createSubscription(`${topicName}-push`, { pushConfig: { pushEndpoint: endpoint }, ackDeadlineSeconds: 30 });

  return {
    sandbox,
    store,
    services,
    topicPath,
    async statuses() {
      return Promise.all(services.map(async (s) => (await (await fetch(`${s.url}/status`)).json()) as ServiceStatus));
    },
    wrongProducts() {
      return store
        .products()
        .filter((p) => managedOf(p.categories).join() !== expectedManaged(p).join())
        .map((p) => p.id);
    },
    async close() {
      await Promise.all(services.map((s) => s.stop('SIGTERM')));
      proxy?.server.close();
      await pubsub.close();
      await sandbox.close();
    },
  };
}
