// Dead-letter inspection and replay. Messages the push subscription gave up on sit on the
// dead-letter pull subscription (terraform output `dead_letter_subscription`) until someone acts:
//   dead-letter list   [--subscription S] [--max N]
//   dead-letter replay (--ids a,b | --all) [--subscription S] [--topic T] [--max N]
// Env (parsed by config.ts): GOOGLE_CLOUD_PROJECT, PUBSUB_EMULATOR_HOST (optional), DEAD_LETTER_SUBSCRIPTION, WEBHOOK_TOPIC.
//
// Contracts:
// - `list` never consumes: pulled messages are released at once (ack deadline set to 0) so they
//   are immediately pullable again. While the command runs they are invisible to other pullers.
// - `replay` publishes data + original attributes (minus Pub/Sub's CloudPubSubDeadLetter* ones) to
//   the webhook topic and acks the dead letter only after that publish succeeded. A crash between
//   the two replays the message twice, which is harmless: the service dedupes, and events are
//   only triggers to re-read BigCommerce.
import { PubSub, v1 } from '@google-cloud/pubsub';
import type { Config } from '../config.ts';
import { cliConfig, CliUsageError, type CliGroup, type CliValues } from './cli.ts';

export const DEAD_LETTER_ATTRIBUTE_PREFIX = 'CloudPubSubDeadLetter';
/** Set by Pub/Sub on forwarded messages: how many deliveries the source subscription attempted. */
export const DELIVERY_COUNT_ATTRIBUTE = 'CloudPubSubDeadLetterSourceDeliveryCount';

export const DEFAULT_LIST_MAX = 20;
export const DEFAULT_REPLAY_MAX = 1000;
/** How long one pull waits for messages before we treat the subscription as drained. */
const PULL_TIMEOUT_MS = 5_000;
const PULL_BATCH = 100;

export interface DeadLetterMessage {
  ackId: string;
  messageId: string;
  publishTime: Date | undefined;
  attributes: Record<string, string>;
  data: Buffer;
}

/** What a human needs to decide about one dead letter (pure projection of the message). */
export interface DeadLetterRow {
  messageId: string;
  publishTime: string;
  deliveryAttempts: string;
  store: string;
  scope: string;
  hash: string;
}

export interface ReplayResult {
  replayed: { messageId: string; newMessageId: string }[];
  failed: { messageId: string; error: string }[];
  /** Requested ids not seen on the subscription (already replayed, acked, or mistyped). */
  notFound: string[];
}

export const fullSubscriptionName = (projectId: string, name: string) => (name.startsWith('projects/') ? name : `projects/${projectId}/subscriptions/${name}`);
export const fullTopicName = (projectId: string, name: string) => (name.startsWith('projects/') ? name : `projects/${projectId}/topics/${name}`);

/** The attributes to republish: the original ones, without what dead-lettering added. */
export function replayAttributes(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([k]) => !k.startsWith(DEAD_LETTER_ATTRIBUTE_PREFIX)));
}

/** Store, scope and hash from the BigCommerce envelope in the data; '-' when it is not one. */
export function describeDeadLetter(m: Pick<DeadLetterMessage, 'messageId' | 'publishTime' | 'attributes' | 'data'>): DeadLetterRow {
  let envelope: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(m.data.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) envelope = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: still listable and replayable, just not describable.
  }
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
  const producer = str(envelope.producer);
  const store = producer?.startsWith('stores/') ? producer.slice('stores/'.length) : (producer ?? str(envelope.store_id));
  return {
    messageId: m.messageId,
    publishTime: m.publishTime ? m.publishTime.toISOString() : '-',
    deliveryAttempts: m.attributes[DELIVERY_COUNT_ATTRIBUTE] ?? '-',
    store: store ?? '-',
    scope: str(envelope.scope) ?? '-',
    hash: str(envelope.hash) ?? '-',
  };
}

const COLUMNS: [keyof DeadLetterRow, string][] = [
  ['messageId', 'MESSAGE ID'],
  ['publishTime', 'PUBLISHED'],
  ['deliveryAttempts', 'ATTEMPTS'],
  ['store', 'STORE'],
  ['scope', 'SCOPE'],
  ['hash', 'HASH'],
];

export function formatDeadLetterTable(rows: readonly DeadLetterRow[]): string {
  const widths = COLUMNS.map(([key, title]) => Math.max(title.length, ...rows.map((r) => r[key].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(COLUMNS.map(([, title]) => title)), ...rows.map((r) => line(COLUMNS.map(([key]) => r[key])))].join('\n');
}

function toTime(ts: { seconds?: number | string | Long | null; nanos?: number | null } | null | undefined): Date | undefined {
  if (!ts || ts.seconds === null || ts.seconds === undefined) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}
interface Long {
  toString(): string;
}

/** The parts of google.pubsub.v1.ReceivedMessage we read. */
interface ReceivedMessage {
  ackId?: string | null;
  message?: {
    messageId?: string | null;
    publishTime?: { seconds?: number | string | Long | null; nanos?: number | null } | null;
    attributes?: Record<string, string> | null;
    data?: Uint8Array | string | null;
  } | null;
}

/** Low-level subscriber on the same endpoint/credentials as `pubsub` (emulator included). */
async function subscriberFor(pubsub: PubSub): Promise<v1.SubscriberClient> {
  // ClientConfig is what the library itself passes to its gapic clients (see PubSub.getSchemaClient).
  return new v1.SubscriberClient({ ...(await pubsub.getClientConfig()) });
}

/** One pull of up to `n` messages, left leased (the caller acks or releases them); [] when none came. */
async function pullOnce(sub: v1.SubscriberClient, subscription: string, n: number): Promise<DeadLetterMessage[]> {
  let received: ReceivedMessage[] | null | undefined;
  try {
    [{ receivedMessages: received }] = await sub.pull({ subscription, maxMessages: n }, { timeout: PULL_TIMEOUT_MS, retry: null });
  } catch (err) {
    // DEADLINE_EXCEEDED (4): nothing arrived within the timeout, i.e. the subscription is drained.
    if ((err as { code?: unknown }).code === 4) return [];
    throw err;
  }
  const out: DeadLetterMessage[] = [];
  for (const r of received ?? []) {
    if (!r.ackId || !r.message) continue;
    out.push({
      ackId: r.ackId,
      messageId: r.message.messageId ?? '',
      publishTime: toTime(r.message.publishTime),
      attributes: { ...(r.message.attributes ?? {}) },
      data: typeof r.message.data === 'string' ? Buffer.from(r.message.data, 'base64') : Buffer.from(r.message.data ?? new Uint8Array()),
    });
  }
  return out;
}

/** Up to `max` messages over several pulls, all left leased. Stops when a pull comes back empty. */
async function pullLeased(sub: v1.SubscriberClient, subscription: string, max: number): Promise<DeadLetterMessage[]> {
  const out: DeadLetterMessage[] = [];
  while (out.length < max) {
    const batch = await pullOnce(sub, subscription, Math.min(PULL_BATCH, max - out.length));
    if (batch.length === 0) break;
    out.push(...batch);
  }
  return out;
}

async function release(sub: v1.SubscriberClient, subscription: string, ackIds: string[]): Promise<void> {
  if (ackIds.length) await sub.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: 0 });
}

/** Up to `max` dead letters, oldest first as Pub/Sub hands them out; none is consumed. */
export async function listDeadLetters(pubsub: PubSub, opts: { subscription: string; max: number }): Promise<DeadLetterMessage[]> {
  const subscription = fullSubscriptionName(pubsub.projectId, opts.subscription);
  const sub = await subscriberFor(pubsub);
  try {
    const messages = await pullLeased(sub, subscription, opts.max);
    await release(sub, subscription, messages.map((m) => m.ackId));
    return messages;
  } finally {
    await sub.close();
  }
}

/**
 * Republishes the selected dead letters (`ids`, or every message with `all`) to `topic` and acks
 * each one after its publish succeeded; everything else pulled is released untouched.
 *
 * Works in batches of up to 100 (publishes in parallel) so no lease is held for long. Messages not
 * selected stay leased until the end: released earlier, the next pull would hand them out again.
 */
export async function replayDeadLetters(
  pubsub: PubSub,
  opts: { subscription: string; topic: string; ids?: readonly string[]; all?: boolean; max?: number },
): Promise<ReplayResult> {
  if (!opts.all && !opts.ids?.length) throw new CliUsageError('Choose the messages: --ids a,b or --all');
  const subscription = fullSubscriptionName(pubsub.projectId, opts.subscription);
  const topic = pubsub.topic(fullTopicName(pubsub.projectId, opts.topic));
  const wanted = new Set(opts.ids ?? []);
  const max = opts.max ?? DEFAULT_REPLAY_MAX;
  const sub = await subscriberFor(pubsub);
  const result: ReplayResult = { replayed: [], failed: [], notFound: [] };
  const replayed = new Set<string>();
  const failed = new Set<string>();
  // Leased until the end: not selected, failed (not retried in this run), or copies of a failed one.
  const held: string[] = [];
  const done = () => !opts.all && [...wanted].every((id) => replayed.has(id) || failed.has(id));
  try {
    let pulled = 0;
    while (pulled < max && !done()) {
      const batch = await pullOnce(sub, subscription, Math.min(PULL_BATCH, max - pulled));
      if (batch.length === 0) break;
      pulled += batch.length;
      const selected = new Map<string, DeadLetterMessage>();
      const copies: DeadLetterMessage[] = [];
      for (const m of batch) {
        if (!opts.all && !wanted.has(m.messageId)) held.push(m.ackId);
        else if (failed.has(m.messageId)) held.push(m.ackId);
        // A dead letter can be forwarded more than once (best effort): replay each message id once.
        else if (replayed.has(m.messageId) || selected.has(m.messageId)) copies.push(m);
        else selected.set(m.messageId, m);
      }
      await Promise.all(
        [...selected.values()].map(async (m) => {
          let newMessageId: string;
          try {
            newMessageId = await topic.publishMessage({ data: m.data, attributes: replayAttributes(m.attributes) });
          } catch (err) {
            failed.add(m.messageId);
            held.push(m.ackId);
            result.failed.push({ messageId: m.messageId, error: err instanceof Error ? err.message : String(err) });
            return;
          }
          replayed.add(m.messageId);
          await sub.acknowledge({ subscription, ackIds: [m.ackId] });
          result.replayed.push({ messageId: m.messageId, newMessageId });
        }),
      );
      // Copies of what was just republished can go; copies of a failure stay with it.
      const ackCopies = copies.filter((c) => replayed.has(c.messageId)).map((c) => c.ackId);
      held.push(...copies.filter((c) => !replayed.has(c.messageId)).map((c) => c.ackId));
      if (ackCopies.length) await sub.acknowledge({ subscription, ackIds: ackCopies });
    }
    result.notFound = [...wanted].filter((id) => !replayed.has(id) && !failed.has(id));
    return result;
  } finally {
    await release(sub, subscription, held).catch(() => undefined);
    await topic.flush();
    await sub.close();
  }
}

/** The PubSub client for the CLI: GOOGLE_CLOUD_PROJECT, the emulator when PUBSUB_EMULATOR_HOST is set. */
export function pubsubFor(config: Pick<Config, 'projectId' | 'emulators'>): PubSub {
  const emulator = config.emulators.pubsub;
  return new PubSub({ projectId: config.projectId, ...(emulator ? { apiEndpoint: emulator, emulatorMode: true } : {}) });
}

function stringFlag(values: CliValues, flag: string, envValue: string | undefined, what: string): string {
  const v = values[flag];
  const chosen = typeof v === 'string' && v !== '' ? v : envValue;
  if (!chosen) throw new CliUsageError(`No ${what}: pass --${flag} or set the environment variable`);
  return chosen;
}

function positiveInt(values: CliValues, flag: string, def: number): number {
  const v = values[flag];
  if (v === undefined) return def;
  const n = typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new CliUsageError(`--${flag} must be a positive integer`);
  return n;
}

export const deadLetterGroup: CliGroup = {
  name: 'dead-letter',
  summary: 'Inspect and replay webhook messages the push subscription dead-lettered',
  commands: {
    list: {
      summary: 'Show dead letters without consuming them',
      flags: { subscription: { type: 'string' }, max: { type: 'string' } },
      flagHelp: [
        '--subscription S  dead-letter pull subscription (default $DEAD_LETTER_SUBSCRIPTION)',
        `--max N           at most N messages (default ${DEFAULT_LIST_MAX})`,
      ],
      run: async (values, io) => {
        const config = cliConfig(io.env);
        const subscription = stringFlag(values, 'subscription', config.deadLetter.subscription, 'subscription (DEAD_LETTER_SUBSCRIPTION)');
        const max = positiveInt(values, 'max', DEFAULT_LIST_MAX);
        const pubsub = pubsubFor(config);
        try {
          const messages = await listDeadLetters(pubsub, { subscription, max });
          if (messages.length === 0) {
            io.out(`No dead letters on ${fullSubscriptionName(pubsub.projectId, subscription)}.`);
            return 0;
          }
          io.out(formatDeadLetterTable(messages.map(describeDeadLetter)));
          io.out(`\n${messages.length} message(s)${messages.length === max ? ` (stopped at --max ${max})` : ''}; nothing was consumed.`);
          return 0;
        } finally {
          await pubsub.close();
        }
      },
    },
    replay: {
      summary: 'Republish dead letters to the webhook topic, then ack them',
      flags: { ids: { type: 'string' }, all: { type: 'boolean' }, subscription: { type: 'string' }, topic: { type: 'string' }, max: { type: 'string' } },
      flagHelp: [
        '--ids a,b         message ids to replay (from `dead-letter list`)',
        '--all             replay every message on the subscription',
        '--subscription S  dead-letter pull subscription (default $DEAD_LETTER_SUBSCRIPTION)',
        '--topic T         topic to republish to (default $WEBHOOK_TOPIC)',
        `--max N           pull at most N messages (default ${DEFAULT_REPLAY_MAX})`,
      ],
      run: async (values, io) => {
        const ids =
          typeof values.ids === 'string'
            ? values.ids
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : [];
        const all = values.all === true;
        if (all === ids.length > 0) throw new CliUsageError('Pass exactly one of --ids a,b or --all');
        const config = cliConfig(io.env);
        const subscription = stringFlag(values, 'subscription', config.deadLetter.subscription, 'subscription (DEAD_LETTER_SUBSCRIPTION)');
        const topic = stringFlag(values, 'topic', config.webhooks.topic, 'topic (WEBHOOK_TOPIC)');
        const max = positiveInt(values, 'max', DEFAULT_REPLAY_MAX);
        const pubsub = pubsubFor(config);
        try {
          const r = await replayDeadLetters(pubsub, { subscription, topic, ids, all, max });
          for (const x of r.replayed) io.out(`replayed ${x.messageId} -> ${x.newMessageId}`);
          for (const x of r.failed) io.err(`FAILED ${x.messageId}: ${x.error} (left on the dead-letter subscription)`);
          for (const id of r.notFound) io.err(`not found: ${id}`);
          io.out(`${r.replayed.length} replayed to ${fullTopicName(pubsub.projectId, topic)}, ${r.failed.length} failed, ${r.notFound.length} not found.`);
          return r.failed.length || r.notFound.length ? 1 : 0;
        } finally {
          await pubsub.close();
        }
      },
    },
  },
};
