// `npm run local` comes up on the embedded default, and a webhook published to its topic shows in /status.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PubSub } from '@google-cloud/pubsub';
import { freePort } from '../../scripts/lib/emulators.ts';
import { productEvent } from '../helpers/push.ts';

describe('npm run local', () => {
  it('starts emulators, sandbox and service; a published webhook reaches /status; Ctrl-C stops it all', async () => {
    const [svc, ps, fs, sb] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../scripts/local.ts')], {
      env: { ...process.env, LOCAL_SERVICE_PORT: String(svc), LOCAL_PUBSUB_PORT: String(ps), LOCAL_FIRESTORE_PORT: String(fs), LOCAL_SANDBOX_PORT: String(sb), LOCAL_PROJECT: 'demo-local-e2e', LOCAL_PRODUCTS: '20', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await expect.poll(() => out.includes('local stack ready'), { timeout: 60_000, interval: 100 }).toBe(true);

      // The printed URL opens the merchant app for the local store: the shell with a session, and its bundle.
      const appUrl = /open the app\s+(\S+)/.exec(out)?.[1];
      expect(appUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${svc}/load\\?signed_payload_jwt=`));
      const shell = await (await fetch(appUrl!)).text();
      expect(shell).toContain('id="app-session"');
      const bundle = /src="(\/app\/assets\/app\.js[^"]*)"/.exec(shell)?.[1];
      expect((await fetch(`http://127.0.0.1:${svc}${bundle!}`)).status).toBe(200);

      const pubsub = new PubSub({ projectId: 'demo-local-e2e', apiEndpoint: `127.0.0.1:${ps}` });
      await pubsub.topic('bc-webhooks').publishMessage({ data: Buffer.from(JSON.stringify(productEvent('someotherstore', 7))) });
      await pubsub.close();

      type Status = { events: { accepted: number }; pending: Record<string, number> };
      const status = async () => (await (await fetch(`http://127.0.0.1:${svc}/status`)).json()) as Status;
      await expect.poll(async () => (await status()).pending.someotherstore, { timeout: 20_000, interval: 200 }).toBe(1);
      expect((await status()).events.accepted).toBeGreaterThanOrEqual(1);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
    // Everything it started is gone: the ports are free again.
    for (const port of [svc, ps, fs, sb]) {
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    }
  }, 120_000);
});
