// Dead-letter CLI against the real Pub/Sub emulator: a message that always fails lands on the
// dead-letter subscription, `list` shows it without consuming it, `replay` moves it back to the
// webhook topic with its original data and attributes and removes it from the dead letters.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PubSub, v1, type Subscription, type Topic } from '@google-cloud/pubsub';
import { runCli, type CliIo } from '../../src/cli/cli.ts';
import {
  deadLetterGroup,
  describeDeadLetter,
  formatDeadLetterTable,
  listDeadLetters,
  replayAttributes,
  replayDeadLetters,
  DELIVERY_COUNT_ATTRIBUTE,
  type DeadLetterRow,
} from '../../src/cli/dead-letter.ts';

const PROJECT = 'demo-deadletter';
const ROOT = join(import.meta.dirname, '..', '..');

describe('replayAttributes', () => {
  it.each([
    ['drops only the dead-letter attributes', { a: '1', CloudPubSubDeadLetterSourceDeliveryCount: '5', CloudPubSubDeadLetterSourceSubscription: 's' }, { a: '1' }],
    ['keeps everything else, case-sensitively', { cloudpubsubdeadletterx: 'k', b: '' }, { cloudpubsubdeadletterx: 'k', b: '' }],
    ['empty', {}, {}],
  ])('%s', (_name, input: Record<string, string>, expected) => {
    expect(replayAttributes(input)).toEqual(expected);
  });
});

describe('describeDeadLetter', () => {
  const base = { messageId: '7', publishTime: new Date('2026-11-22T09:07:04.557Z'), attributes: { [DELIVERY_COUNT_ATTRIBUTE]: '5' } };
  it.each<[string, string, Partial<DeadLetterRow>]>([
    ['BigCommerce envelope', JSON.stringify({ producer: 'stores/abc123', scope: 'store/product/updated', hash: 'h1', store_id: '1001' }), { store: 'abc123', scope: 'store/product/updated', hash: 'h1' }],
    ['store_id when producer is missing', JSON.stringify({ store_id: 1001, scope: 'store/sku/created' }), { store: '1001', scope: 'store/sku/created', hash: '-' }],
    ['not JSON', 'not json at all', { store: '-', scope: '-', hash: '-' }],
    ['JSON but not an object', '[1,2]', { store: '-', scope: '-', hash: '-' }],
  ])('%s', (_name, data, expected) => {
    expect(describeDeadLetter({ ...base, data: Buffer.from(data) })).toEqual({ messageId: '7', publishTime: '2026-11-22T09:07:04.557Z', deliveryAttempts: '5', ...expected });
  });

  it('shows - for a missing publish time and delivery count', () => {
    expect(describeDeadLetter({ messageId: '1', publishTime: undefined, attributes: {}, data: Buffer.from('{}') })).toMatchObject({ publishTime: '-', deliveryAttempts: '-' });
  });
});

describe('formatDeadLetterTable', () => {
  it('aligns columns under a header', () => {
    const rows: DeadLetterRow[] = [
      { messageId: '1', publishTime: 't1', deliveryAttempts: '5', store: 'abc', scope: 'store/product/updated', hash: 'h' },
      { messageId: '12345', publishTime: 't2', deliveryAttempts: '10', store: 'a', scope: 's', hash: 'hh' },
    ];
    const lines = formatDeadLetterTable(rows).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^MESSAGE ID\s+PUBLISHED\s+ATTEMPTS\s+STORE\s+SCOPE\s+HASH$/);
    // Every row's STORE column starts where the header's does.
    const col = lines[0]!.indexOf('STORE');
    expect(lines[1]!.slice(col, col + 3)).toBe('abc');
    expect(lines[2]!.slice(col, col + 1)).toBe('a');
  });
});

interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
}
function capture(env: Record<string, string | undefined>): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t), env }, out: () => out.join('\n'), err: () => err.join('\n') };
}

describe('dead-letter CLI on the Pub/Sub emulator', () => {
  const id = randomUUID().slice(0, 8);
  const names = { source: `src-${id}`, sourceSub: `src-sub-${id}`, dlq: `dlq-${id}`, dlqSub: `dlq-pull-${id}`, webhooks: `wh-${id}`, webhooksSub: `wh-sub-${id}` };
  const full = (kind: 'topics' | 'subscriptions', name: string) => `projects/${PROJECT}/${kind}/${name}`;
  let pubsub: PubSub;
  let subscriber: v1.SubscriberClient;
  let topics: Topic[] = [];
  let subs: Subscription[] = [];
  let env: Record<string, string | undefined>;

  const envelope = (n: number) => ({ producer: 'stores/abc123', scope: 'store/product/updated', hash: `hash-${n}`, store_id: '1001', created_at: 1_700_000_000 + n, data: { type: 'product', id: n } });
  const published: { data: string; attributes: Record<string, string> }[] = [];
  /** Dead-letter message id -> what was originally published. Forwarding to the dead-letter topic
   * is a new publish, so the ids differ from the source's; `list` shows (and `--ids` takes) these. */
  const originals = new Map<string, { data: string; attributes: Record<string, string> }>();

  /** Pulls from the source subscription and nacks everything (as a consumer that always fails). */
  async function nackRound(): Promise<number> {
    const [{ receivedMessages }] = await subscriber.pull({ subscription: full('subscriptions', names.sourceSub), maxMessages: 10 }, { timeout: 2_000, retry: null }).catch(() => [{ receivedMessages: [] }] as const);
    const ackIds = (receivedMessages ?? []).flatMap((m) => (m.ackId ? [m.ackId] : []));
    if (ackIds.length) await subscriber.modifyAckDeadline({ subscription: full('subscriptions', names.sourceSub), ackIds, ackDeadlineSeconds: 0 });
    return ackIds.length;
  }

  /** Messages that arrived on the webhook topic's subscription (acked as they are read). */
  const arrived: { data: string; attributes: Record<string, string> }[] = [];
  async function drainWebhooks(): Promise<number> {
    const [{ receivedMessages }] = await subscriber.pull({ subscription: full('subscriptions', names.webhooksSub), maxMessages: 10 }, { timeout: 2_000, retry: null }).catch(() => [{ receivedMessages: [] }] as const);
    for (const m of receivedMessages ?? []) {
      arrived.push({ data: Buffer.from(m.message?.data ?? '').toString('utf8'), attributes: { ...(m.message?.attributes ?? {}) } });
      await subscriber.acknowledge({ subscription: full('subscriptions', names.webhooksSub), ackIds: [m.ackId!] });
    }
    return arrived.length;
  }

  beforeAll(async () => {
    pubsub = new PubSub({ projectId: PROJECT });
    subscriber = new v1.SubscriberClient({ ...(await pubsub.getClientConfig()) });
    const [source] = await pubsub.createTopic(names.source);
    const [dlq] = await pubsub.createTopic(names.dlq);
    const [webhooks] = await pubsub.createTopic(names.webhooks);
    topics = [source, dlq, webhooks];
    const [dlqSub] = await dlq.createSubscription(names.dlqSub, { ackDeadlineSeconds: 30 });
    const [whSub] = await webhooks.createSubscription(names.webhooksSub);
    const [sourceSub] = await source.createSubscription(names.sourceSub, { ackDeadlineSeconds: 10, deadLetterPolicy: { deadLetterTopic: dlq.name, maxDeliveryAttempts: 5 } });
    subs = [dlqSub, whSub, sourceSub];
    env = { GOOGLE_CLOUD_PROJECT: PROJECT, PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST, DEAD_LETTER_SUBSCRIPTION: names.dlqSub, WEBHOOK_TOPIC: names.webhooks };

    for (const n of [1, 2, 3]) {
      const data = JSON.stringify(envelope(n));
      const attributes = { origin: 'bigcommerce', n: String(n) };
      await source.publishMessage({ data: Buffer.from(data), attributes });
      published.push({ data, attributes });
    }
  });

  afterAll(async () => {
    await Promise.allSettled(subs.map((s) => s.delete()));
    await Promise.allSettled(topics.map((t) => t.delete()));
    await subscriber?.close();
    await pubsub?.close();
  });

  // The tests below run in order and build on each other's state.
  it('a message a consumer always nacks lands on the dead-letter subscription after 5 deliveries', async () => {
    await expect
      .poll(
        async () => {
          // Only look at the dead letters once the source has nothing left to redeliver.
          if ((await nackRound()) > 0) return -1;
          return (await listDeadLetters(pubsub, { subscription: names.dlqSub, max: 10 })).length;
        },
        { timeout: 40_000, interval: 50 },
      )
      .toBe(3);
    for (const m of await listDeadLetters(pubsub, { subscription: names.dlqSub, max: 10 })) {
      const original = published.find((p) => p.data === m.data.toString('utf8'));
      expect(original, 'dead letter carries the original data').toBeDefined();
      expect(replayAttributes(m.attributes)).toEqual(original!.attributes);
      originals.set(m.messageId, original!);
    }
    expect(originals.size).toBe(3);
  }, 60_000);

  it('list shows every dead letter with its delivery count, and consumes nothing', async () => {
    const c = capture(env);
    expect(await runCli(['dead-letter', 'list'], [deadLetterGroup], c.io)).toBe(0);
    for (const messageId of originals.keys()) expect(c.out()).toMatch(new RegExp(`^${messageId}\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+5\\s+abc123\\s+store/product/updated\\s+hash-\\d$`, 'm'));
    expect(c.out()).toContain('3 message(s)');
    // Still all there, immediately (released, not left to time out).
    const again = await listDeadLetters(pubsub, { subscription: names.dlqSub, max: 10 });
    expect(again.map((m) => m.messageId).sort()).toEqual([...originals.keys()].sort());
    expect(again[0]!.attributes[DELIVERY_COUNT_ATTRIBUTE]).toBe('5');
  });

  it('list --max stops at N', async () => {
    const c = capture(env);
    expect(await runCli(['dead-letter', 'list', '--max', '2', '--subscription', full('subscriptions', names.dlqSub)], [deadLetterGroup], c.io)).toBe(0);
    expect(c.out()).toContain('2 message(s) (stopped at --max 2)');
  });

  it('replay to a missing topic fails and leaves the message on the dead-letter subscription', async () => {
    const [first] = [...originals.keys()];
    const c = capture(env);
    expect(await runCli(['dead-letter', 'replay', '--ids', first!, '--topic', `missing-${id}`], [deadLetterGroup], c.io)).toBe(1);
    expect(c.err()).toContain(`FAILED ${first}`);
    const left = await listDeadLetters(pubsub, { subscription: names.dlqSub, max: 10 });
    expect(left.map((m) => m.messageId)).toContain(first);
  });

  it('replay --all to a missing topic fails every message, acks none, and does not loop', async () => {
    const c = capture(env);
    expect(await runCli(['dead-letter', 'replay', '--all', '--topic', `missing-${id}`], [deadLetterGroup], c.io)).toBe(1);
    expect(c.out()).toContain('0 replayed');
    expect(c.out()).toContain('3 failed');
    const left = await listDeadLetters(pubsub, { subscription: names.dlqSub, max: 10 });
    expect(left.map((m) => m.messageId).sort()).toEqual([...originals.keys()].sort());
  });

  it('replay --ids moves exactly those messages to the webhook topic with their original data and attributes', async () => {
    const [first] = [...originals.keys()];
    const c = capture(env);
    expect(await runCli(['dead-letter', 'replay', '--ids', `${first!},no-such-id`], [deadLetterGroup], c.io)).toBe(1); // 1: one id was not found
    expect(c.out()).toMatch(new RegExp(`replayed ${first} -> \\S+`));
    expect(c.err()).toContain('not found: no-such-id');
    await expect.poll(drainWebhooks, { timeout: 10_000, interval: 100 }).toBe(1);
    expect(arrived[0]).toEqual(originals.get(first!));
    const left = await listDeadLetters(pubsub, { subscription: names.dlqSub, max: 10 });
    expect(left.map((m) => m.messageId).sort()).toEqual([...originals.keys()].slice(1).sort());
  });

  it('replay --all empties the dead-letter subscription (through the real entry point)', async () => {
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'node'), [join(ROOT, 'src', 'cli', 'main.ts'), 'dead-letter', 'replay', '--all'], {
      encoding: 'utf8',
      env: { ...process.env, ...env, METADATA_SERVER_DETECTION: 'none' },
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('2 replayed');
    expect(r.status).toBe(0);
    await expect.poll(drainWebhooks, { timeout: 10_000, interval: 100 }).toBe(3);
    expect(arrived.map((a) => a.data).sort()).toEqual([...originals.values()].map((o) => o.data).sort());
    for (const a of arrived) expect(Object.keys(a.attributes).some((k) => k.startsWith('CloudPubSubDeadLetter'))).toBe(false);
    const c = capture(env);
    expect(await runCli(['dead-letter', 'list'], [deadLetterGroup], c.io)).toBe(0);
    expect(c.out()).toContain('No dead letters');
  });

  it('list on a subscription that does not exist fails with exit 1 and says why', async () => {
    const c = capture(env);
    expect(await runCli(['dead-letter', 'list', '--subscription', `missing-${id}`], [deadLetterGroup], c.io)).toBe(1);
    expect(c.err()).toMatch(/dead-letter list failed: .*NOT_FOUND/i);
  });

  it('replayDeadLetters refuses to run without a selection', async () => {
    await expect(replayDeadLetters(pubsub, { subscription: names.dlqSub, topic: names.webhooks })).rejects.toThrow(/--ids a,b or --all/);
  });
});

describe('dead-letter CLI usage errors (exit 2, nothing contacted)', () => {
  const env = { GOOGLE_CLOUD_PROJECT: PROJECT, DEAD_LETTER_SUBSCRIPTION: 's', WEBHOOK_TOPIC: 't' };
  it.each<[string, string[], Record<string, string | undefined>, RegExp]>([
    ['no group', [], env, /Usage: npm run cli -- <group>/],
    ['unknown group', ['nope'], env, /Unknown group "nope"/],
    ['no command', ['dead-letter'], env, /Commands:\n\s+list/],
    ['unknown command', ['dead-letter', 'purge'], env, /Unknown command "dead-letter purge"/],
    ['unknown flag', ['dead-letter', 'list', '--bogus'], env, /Unknown option '--bogus'/],
    ['neither --ids nor --all', ['dead-letter', 'replay'], env, /exactly one of --ids a,b or --all/],
    ['both --ids and --all', ['dead-letter', 'replay', '--ids', 'a', '--all'], env, /exactly one of --ids a,b or --all/],
    ['bad --max', ['dead-letter', 'list', '--max', 'abc'], env, /--max must be a positive integer/],
    ['no subscription', ['dead-letter', 'list'], { GOOGLE_CLOUD_PROJECT: PROJECT }, /No subscription/],
    ['no topic', ['dead-letter', 'replay', '--all'], { GOOGLE_CLOUD_PROJECT: PROJECT, DEAD_LETTER_SUBSCRIPTION: 's' }, /No topic/],
    ['no project', ['dead-letter', 'list'], { DEAD_LETTER_SUBSCRIPTION: 's' }, /GOOGLE_CLOUD_PROJECT/],
    ['a bad setting (parsed by config.ts like the service)', ['dead-letter', 'list'], { ...env, DEBOUNCE_WINDOW_SECONDS: 'soon' }, /DEBOUNCE_WINDOW_SECONDS/],
  ])('%s', async (_name, argv, e, message) => {
    const c = capture(e);
    expect(await runCli(argv, [deadLetterGroup], c.io)).toBe(2);
    expect(`${c.out()}\n${c.err()}`).toMatch(message);
  });

  it.each([
    [['--help']],
    [['dead-letter', '--help']],
    [['dead-letter', 'replay', '--help']],
  ])('help %j exits 0', async (argv) => {
    const c = capture(env);
    expect(await runCli(argv, [deadLetterGroup], c.io)).toBe(0);
    expect(c.out()).toMatch(/Usage: npm run cli -- /);
  });
});
