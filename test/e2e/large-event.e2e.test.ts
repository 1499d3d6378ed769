// Acceptance (large event): a store/modifier/updated naming 90,000 products (~840 KB, under the 1 MiB
// body cap) posted to the real service running under --max-old-space-size=256 → every product pending,
// no process death. Pub/Sub's behaviour is reproduced by hand: the same message is delivered again
// after a 503 (the service's large-event budget may run out on a slow emulator; each delivery resumes
// from the chunks already stored). Reports deliveries, wall time and the service's peak RSS (VmHWM).
// LARGE_EVENT_E2E_IDS sets the size (default 90,000).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Firestore } from '@google-cloud/firestore';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { markerId } from '../../src/events/plan-event-writes.ts';
import { startService, type ServiceProcess } from '../helpers/service.ts';
import { webhook, wrappedPush } from '../helpers/push.ts';
import { ownFirestore } from '../helpers/firestore.ts';

const IDS = Number(process.env.LARGE_EVENT_E2E_IDS ?? 90_000);
const PROJECT = 'demo-e2e-large-event';
let own: Awaited<ReturnType<typeof ownFirestore>>;
let db: Firestore;
let service: ServiceProcess;

beforeAll(async () => {
  own = await ownFirestore(PROJECT);
  db = own.db;
  service = await startService({
    GOOGLE_CLOUD_PROJECT: PROJECT,
    FIRESTORE_EMULATOR_HOST: own.host,
    PUSH_AUTH: 'none',
    FLUSH_TIMERS: 'false',
    NODE_OPTIONS: '--max-old-space-size=256',
  });
}, 60_000);
afterAll(async () => {
  await service?.stop('SIGKILL');
  await own?.stop();
});

const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe(`a ${IDS}-product modifier event into the service under a 256 MB heap`, () => {
  it('ends with every product pending, the marker written, the process alive', async () => {
    const ids = Array.from({ length: IDS }, (_, i) => 1_000_000 + i);
    const body = webhook('e2ebig', 'store/modifier/updated', { type: 'shared_modifier', id: 7, affected_product_ids: ids, context: { channel_id: 1, locale: 'en' } });
    const payload = JSON.stringify(wrappedPush(body, { messageId: 'big-1' }));
    expect(payload.length).toBeLessThan(1_048_576);
    const pid = service.child.pid!;
    const rssBefore = peakRssMb(pid);

    const started = Date.now();
    const statuses: number[] = [];
    // Like Pub/Sub: deliver, and again after anything but 2xx, until acked (bounded).
    while (statuses.at(-1) !== 204 && statuses.length < 10) {
      const res = await fetch(`${service.url}/pubsub/push`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } });
      statuses.push(res.status);
      expect([204, 503]).toContain(res.status);
    }
    const elapsedMs = Date.now() - started;
    expect(statuses.at(-1)).toBe(204);
    expect(service.child.exitCode).toBeNull();

    expect((await db.collection(COLLECTIONS.pending).where('storeHash', '==', 'e2ebig').count().get()).data().count).toBe(IDS);
    expect((await db.collection(COLLECTIONS.pending).where('storeHash', '==', 'e2ebig').where('events', '!=', 1).count().get()).data().count).toBe(0);
    expect((await db.collection(COLLECTIONS.markers).doc(markerId('e2ebig', body.scope, body.hash)).get()).exists).toBe(true);
    const status = (await (await fetch(`${service.url}/status`)).json()) as { pending: Record<string, number> };
    expect(status.pending).toEqual({ e2ebig: IDS });
    const rssPeak = peakRssMb(pid);
    console.log(`[large-event e2e] ${IDS} ids, ${payload.length} bytes: deliveries ${statuses.join(',')}, ${elapsedMs} ms, service peak RSS ${rssPeak.toFixed(0)} MB (${rssBefore.toFixed(0)} MB before)`);
  }, 600_000);
});
